package novatalks

import "strings"

// Reactions is the documented set of reaction emoji, in the documented order
// and form (without U+FE0F variation selectors).
var Reactions = []string{
	"👍", "👎", "🔥", "🥰", "👏", "😁", "🤔", "🤯", "😱", "🤬", "😢", "🎉", "🤩", "🤮", "💩", "🙏",
	"👌", "🕊", "🤡", "🥱", "🥴", "😍", "🐳", "❤\u200d🔥", "🌚", "🌭", "💯", "🤣", "⚡", "🍌", "🏆", "💔",
	"🤨", "😐", "🍓", "🍾", "💋", "🖕", "😈", "😴", "😭", "🤓", "👻", "👨\u200d💻", "👀", "🎃", "🙈", "😇",
	"😨", "🤝", "✍", "🤗", "🫡", "🎅", "🎄", "☃", "💅", "🤪", "🗿", "🆒", "💘", "🙉", "🦄", "😘",
	"💊", "🙊", "😎", "👾", "🤷\u200d♂", "🤷", "🤷\u200d♀", "😡",
}

var reactionSet = func() map[string]bool {
	m := make(map[string]bool, len(Reactions))
	for _, r := range Reactions {
		m[r] = true
	}
	return m
}()

// NormalizeReaction returns the documented form of an emoji, accepting it with
// or without U+FE0F variation selectors, and false if it is not in Reactions.
func NormalizeReaction(emoji string) (string, bool) {
	s := strings.ReplaceAll(emoji, "\ufe0f", "")
	return s, reactionSet[s]
}
