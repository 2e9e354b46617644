package novatalks

import "testing"

func TestAssignmentText(t *testing.T) {
	jane := Actor{Type: SenderUser, ID: 1, Name: "Jane"}
	john := &User{ID: 2, Name: "John"}
	for _, tc := range []struct {
		actor    Actor
		assignee *User
		want     string
	}{
		{jane, john, "Assigned to John by Jane"},
		{jane, &User{ID: 1, Name: "Jane"}, "Jane self-assigned this conversation"},
		{jane, nil, "Conversation unassigned by Jane"},
		{SystemActor(1), john, "Assigned to John by System"},
	} {
		if got := assignmentText(tc.actor, tc.assignee); got != tc.want {
			t.Errorf("assignmentText(%s, %v) = %q, want %q", tc.actor.Name, tc.assignee, got, tc.want)
		}
	}
}

func TestPageOffset(t *testing.T) {
	for _, tc := range []struct {
		page, want int
		ok         bool
	}{{0, 0, true}, {1, 0, true}, {2, 25, true}, {-1, 0, false}, {maxPage + 1, 0, false}} {
		got, err := pageOffset(tc.page, 25)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("pageOffset(%d) = %d, %v; want %d, ok %v", tc.page, got, err, tc.want, tc.ok)
		}
	}
}
