package storetest

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/novatalks/novatalks"
)

// wantCode fails tb unless err has the error code want ("" for no error).
func wantCode(tb testing.TB, err error, want, what string) {
	tb.Helper()
	if got := novatalks.ErrorCode(err); got != want {
		if want == "" {
			want = "no error"
		}
		tb.Errorf("%s: error %v, want %s", what, err, want)
	}
}

// wantStrings fails tb unless got holds want, in order; nil and empty are
// the same.
func wantStrings(tb testing.TB, got, want []string, what string) {
	tb.Helper()
	if !slices.Equal(got, want) {
		tb.Errorf("%s = %q, want %q", what, got, want)
	}
}

// wantNoDiff fails tb when got and want differ (see diff).
func wantNoDiff(tb testing.TB, got, want any, what string) {
	tb.Helper()
	if d := diff(got, want); d != "" {
		tb.Errorf("%s differs: %s", what, d)
	}
}

// diff returns "" when got and want hold the same values, else where they
// differ. It follows pointers and compares exported fields only. Times are
// equal when they are the same instant (a store may return another
// location), and a nil slice or map equals an empty one: the store contract
// says nothing of either.
func diff(got, want any) string {
	var d differ
	d.walk("", reflect.ValueOf(got), reflect.ValueOf(want))
	return strings.Join(d.out, "; ")
}

type differ struct{ out []string }

var timeType = reflect.TypeFor[time.Time]()

func (d *differ) add(path, format string, args ...any) {
	if len(d.out) < 12 {
		if path == "" {
			path = "value"
		}
		d.out = append(d.out, path+": "+fmt.Sprintf(format, args...))
	}
}

func (d *differ) walk(path string, g, w reflect.Value) {
	if !g.IsValid() || !w.IsValid() {
		if g.IsValid() != w.IsValid() {
			d.add(path, "got %s, want %s", show(g), show(w))
		}
		return
	}
	if g.Type() != w.Type() {
		d.add(path, "got %s of type %s, want %s of type %s", show(g), g.Type(), show(w), w.Type())
		return
	}
	if g.Type() == timeType {
		if gt, wt := g.Interface().(time.Time), w.Interface().(time.Time); !gt.Equal(wt) {
			d.add(path, "got %s, want %s", show(g), show(w))
		}
		return
	}
	if g.Kind() == reflect.Slice && g.Type().Elem().Kind() == reflect.Uint8 {
		if !bytes.Equal(g.Bytes(), w.Bytes()) {
			d.add(path, "got %s, want %s", show(g), show(w))
		}
		return
	}
	switch g.Kind() {
	case reflect.Pointer, reflect.Interface:
		if g.IsNil() || w.IsNil() {
			if g.IsNil() != w.IsNil() {
				d.add(path, "got %s, want %s", show(g), show(w))
			}
			return
		}
		d.walk(path, g.Elem(), w.Elem())
	case reflect.Struct:
		for i := range g.NumField() {
			if f := g.Type().Field(i); f.IsExported() {
				d.walk(path+"."+f.Name, g.Field(i), w.Field(i))
			}
		}
	case reflect.Slice, reflect.Array:
		if g.Len() != w.Len() {
			d.add(path, "got %d elements %s, want %d %s", g.Len(), show(g), w.Len(), show(w))
			return
		}
		for i := range g.Len() {
			d.walk(fmt.Sprintf("%s[%d]", path, i), g.Index(i), w.Index(i))
		}
	case reflect.Map:
		for _, k := range w.MapKeys() {
			if gv := g.MapIndex(k); !gv.IsValid() {
				d.add(fmt.Sprintf("%s[%v]", path, k), "missing, want %s", show(w.MapIndex(k)))
			} else {
				d.walk(fmt.Sprintf("%s[%v]", path, k), gv, w.MapIndex(k))
			}
		}
		for _, k := range g.MapKeys() {
			if !w.MapIndex(k).IsValid() {
				d.add(fmt.Sprintf("%s[%v]", path, k), "got %s, want none", show(g.MapIndex(k)))
			}
		}
	default:
		if !g.Equal(w) {
			d.add(path, "got %s, want %s", show(g), show(w))
		}
	}
}

// show formats a value of a diff readably: pointers by what they point to,
// times in UTC, bytes as text.
func show(v reflect.Value) string { return showDepth(v, 0) }

// format formats any value like show.
func format(v any) string { return show(reflect.ValueOf(v)) }

func showDepth(v reflect.Value, depth int) string {
	if depth > 4 {
		return "..."
	}
	switch {
	case !v.IsValid():
		return "nothing"
	case v.Type() == timeType:
		return v.Interface().(time.Time).UTC().Format("2006-01-02T15:04:05.000Z")
	case (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) && v.IsNil():
		return "nil"
	case v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface:
		return showDepth(v.Elem(), depth)
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8:
		return fmt.Sprintf("%q", v.Bytes())
	case v.Kind() == reflect.String:
		return fmt.Sprintf("%q", v.String())
	case v.Kind() == reflect.Struct:
		var b strings.Builder
		b.WriteString("{")
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() || v.Field(i).IsZero() {
				continue
			}
			if b.Len() > 1 {
				b.WriteString(" ")
			}
			b.WriteString(f.Name + ":" + showDepth(v.Field(i), depth+1))
		}
		return b.String() + "}"
	case v.Kind() == reflect.Slice || v.Kind() == reflect.Array:
		parts := make([]string, v.Len())
		for i := range v.Len() {
			parts[i] = showDepth(v.Index(i), depth+1)
		}
		return "[" + strings.Join(parts, " ") + "]"
	case v.Kind() == reflect.Map:
		parts := make([]string, 0, v.Len())
		for _, k := range v.MapKeys() {
			parts = append(parts, fmt.Sprint(k.Interface())+":"+showDepth(v.MapIndex(k), depth+1))
		}
		slices.Sort(parts)
		return "map[" + strings.Join(parts, " ") + "]"
	}
	return fmt.Sprintf("%v", v.Interface())
}

// recorder is an EventPublisher that keeps what it is given.
type recorder struct {
	mu      sync.Mutex
	events  []novatalks.Event
	changed chan struct{} // closed and replaced at each Publish
	flushes int           // flush markers emitted so far
	read    int           // events returned by flush so far
}

func newRecorder() *recorder { return &recorder{changed: make(chan struct{})} }

// Publish implements novatalks.EventPublisher.
func (r *recorder) Publish(events ...novatalks.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, events...)
	close(r.changed)
	r.changed = make(chan struct{})
}

// flushAttribute marks the events flush emits.
const flushAttribute = "storetest.flush"

// flush returns the events published since the last flush, in publication
// order. It commits an Update that emits a marker event and waits for the
// marker: events are published in commit order, so everything committed
// before flush has been published when the marker is, also by a store that
// publishes after Update returned. Markers are left out of the result.
func (r *recorder) flush(tb testing.TB, s novatalks.Store) []novatalks.Event {
	tb.Helper()
	r.mu.Lock()
	r.flushes++
	n := r.flushes
	r.mu.Unlock()
	mustUpdate(tb, s, func(tx novatalks.Tx) error {
		tx.Emit(novatalks.Event{Type: novatalks.EventContactUpdated,
			Changes: []novatalks.Change{{Attribute: flushAttribute, Current: n}}})
		return nil
	})
	deadline := time.After(10 * time.Second)
	for {
		r.mu.Lock()
		i := slices.IndexFunc(r.events[r.read:], func(e novatalks.Event) bool { return isFlush(e, n) })
		changed := r.changed
		if i >= 0 {
			var out []novatalks.Event
			for _, e := range r.events[r.read : r.read+i] {
				if !isFlush(e, 0) {
					out = append(out, e)
				}
			}
			r.read += i + 1
			r.mu.Unlock()
			return out
		}
		r.mu.Unlock()
		select {
		case <-changed:
		case <-deadline:
			tb.Fatalf("the event of a committed Update was not published within 10 s")
		}
	}
}

// isFlush reports whether e is the marker of flush n (of any flush for 0).
func isFlush(e novatalks.Event, n int) bool {
	if len(e.Changes) != 1 || e.Changes[0].Attribute != flushAttribute {
		return false
	}
	return n == 0 || e.Changes[0].Current == n
}

// mustUpdate runs fn in an Update of s and stops the test if it fails. It
// must be called from the test's goroutine.
func mustUpdate(tb testing.TB, s novatalks.Store, fn func(tx novatalks.Tx) error) {
	tb.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		tb.Fatalf("Update: %v", err)
	}
}

// ids returns the IDs of a list, for comparing orders.
func ids[T any](list []T, id func(T) int64) []int64 {
	out := []int64{}
	for _, v := range list {
		out = append(out, id(v))
	}
	return out
}

// wantIDs fails tb unless got holds exactly the IDs want, in that order.
func wantIDs(tb testing.TB, got []int64, want []int64, what string) {
	tb.Helper()
	if want == nil {
		want = []int64{}
	}
	if !slices.Equal(got, want) {
		tb.Errorf("%s: got IDs %v, want %v", what, got, want)
	}
}

// wantIncreasing fails tb unless the IDs are positive and increase.
func wantIncreasing(tb testing.TB, list []int64, what string) {
	tb.Helper()
	for i, id := range list {
		if id <= 0 || i > 0 && id <= list[i-1] {
			tb.Errorf("%s: IDs %v do not increase in insertion order", what, list)
			return
		}
	}
}
