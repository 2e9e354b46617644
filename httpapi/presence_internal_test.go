package httpapi

import (
	"slices"
	"testing"
	"time"
)

// TestPresenceDueKeepsEachConnectionsRhythm checks that a connection is owed
// one keepalive per interval since it opened, at the first sweep after each
// whole interval, so that connections opened at different moments get
// theirs at different moments.
func TestPresenceDueKeepsEachConnectionsRhythm(t *testing.T) {
	const interval = 30 * time.Second
	base := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	sweeps := func(opened time.Time) []time.Duration {
		var due []time.Duration
		prev := base
		for s := time.Second; s <= 95*time.Second; s += time.Second {
			now := base.Add(s)
			if presenceDue(opened, prev, now, interval) {
				due = append(due, s)
			}
			prev = now
		}
		return due
	}
	for _, tc := range []struct {
		name   string
		opened time.Duration // after base
		want   []time.Duration
	}{
		{"opened with the first sweep", 0, []time.Duration{30 * time.Second, 60 * time.Second, 90 * time.Second}},
		{"opened 10.5 s later", 10500 * time.Millisecond, []time.Duration{41 * time.Second, 71 * time.Second}},
		{"opened between two sweeps before the interval", 29500 * time.Millisecond, []time.Duration{60 * time.Second, 90 * time.Second}},
	} {
		if got := sweeps(base.Add(tc.opened)); !slices.Equal(got, tc.want) {
			t.Errorf("%s: keepalives at %v, want %v", tc.name, got, tc.want)
		}
	}
	if presenceDue(base, base.Add(time.Minute), base.Add(time.Minute), interval) {
		t.Error("due twice in one sweep")
	}
	if presenceDue(base, base, base.Add(time.Hour), 0) {
		t.Error("due with no interval")
	}
}
