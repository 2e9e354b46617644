package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/novatalks/novatalks"
)

// TestDiff checks the comparison the suite's checks rest on: a diff that
// missed differences would let every store pass.
func TestDiff(t *testing.T) {
	local := time.FixedZone("UTC+2", 2*3600)
	base := &novatalks.Message{ID: 1, Content: ptr("a"), ContentAttributes: map[string]any{"n": 1.0},
		CreatedAt: t0, DeletedAt: ptr(t0), Attachments: []*novatalks.Attachment{{ID: 2}}}
	for _, tc := range []struct {
		name   string
		change func(m *novatalks.Message)
		want   string // "" for equal, else a part of the diff
	}{
		{"Same", func(m *novatalks.Message) {}, ""},
		{"SameInstantOtherZone", func(m *novatalks.Message) { m.CreatedAt, m.DeletedAt = t0.In(local), ptr(t0.In(local)) }, ""},
		{"EmptyIsNil", func(m *novatalks.Message) { m.Reactions = []*novatalks.Reaction{} }, ""},
		{"EmptyMapIsNil", func(m *novatalks.Message) { m.ContentAttributes = map[string]any{"n": 1.0} }, ""},
		{"Field", func(m *novatalks.Message) { m.ID = 9 }, ".ID: got 9, want 1"},
		{"Pointee", func(m *novatalks.Message) { m.Content = ptr("b") }, `.Content: got "b", want "a"`},
		{"NilPointer", func(m *novatalks.Message) { m.Content = nil }, ".Content: got nil"},
		{"Time", func(m *novatalks.Message) { m.CreatedAt = t0.Add(time.Millisecond) }, ".CreatedAt"},
		{"TimePointer", func(m *novatalks.Message) { m.DeletedAt = ptr(t0.Add(time.Second)) }, ".DeletedAt"},
		{"MapValue", func(m *novatalks.Message) { m.ContentAttributes = map[string]any{"n": 2.0} }, ".ContentAttributes[n]"},
		{"MapValueType", func(m *novatalks.Message) { m.ContentAttributes = map[string]any{"n": 1} }, "of type int"},
		{"MapKeyMissing", func(m *novatalks.Message) { m.ContentAttributes = map[string]any{} }, "missing"},
		{"MapKeyExtra", func(m *novatalks.Message) { m.ContentAttributes["x"] = true }, "want none"},
		{"SliceLength", func(m *novatalks.Message) { m.Attachments = nil }, "got 0 elements"},
		{"SliceElement", func(m *novatalks.Message) { m.Attachments = []*novatalks.Attachment{{ID: 3}} }, ".Attachments[0].ID"},
	} {
		m := *base
		m.ContentAttributes = map[string]any{"n": 1.0}
		tc.change(&m)
		got := diff(&m, base)
		if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
			t.Errorf("%s: diff = %q, want %q", tc.name, got, tc.want)
		}
	}
	if got := diff([]byte("a"), []byte("b")); !strings.Contains(got, `"a"`) {
		t.Errorf("diff of bytes = %q", got)
	}
}
