package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

func TestEchoID(t *testing.T) {
	for _, tc := range []struct {
		name, frame, want string
		ok                bool
	}{
		{"OK", `{"event":"message.created","data":{"id":1,"content":"load test message b1","content_attributes":{},"echo_id":"b1","attachments":[],"reply":null}}`, "b1", true},
		{"QuotedInContent", `{"event":"message.created","data":{"content":"say \"echo_id\":\"x\"","echo_id":"b2"}}`, "b2", true},
		{"Null", `{"event":"message.created","data":{"echo_id":null}}`, "", false},
		{"Cut", `{"event":"message.created","data":{"echo_id":"b3`, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := echoID([]byte(tc.frame))
			if string(got) != tc.want || ok != tc.ok {
				t.Errorf("echoID = %q, %v; want %q, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestReadFrame(t *testing.T) {
	frame := bytes.Repeat([]byte("0123456789"), 1000)
	buf := make([]byte, 0, 16)
	got, err := readFrame(iotest.OneByteReader(bytes.NewReader(frame)), buf)
	if err != nil || !bytes.Equal(got, frame) {
		t.Fatalf("readFrame = %d bytes, %v; want %d bytes", len(got), err, len(frame))
	}
	if _, err := readFrame(iotest.ErrReader(io.ErrUnexpectedEOF), nil); err == nil {
		t.Error("a failing reader gave no error")
	}
}

func TestMetricValue(t *testing.T) {
	exposition := "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n" +
		"# TYPE process_cpu_seconds_total counter\n" +
		"process_cpu_seconds_total_extra 9\n" +
		"process_cpu_seconds_total 12.5\n" +
		"process_resident_memory_bytes 5.24288e+07\n"
	for _, tc := range []struct {
		name string
		want float64
	}{{"process_cpu_seconds_total", 12.5}, {"process_resident_memory_bytes", 52428800}} {
		got, err := metricValue(strings.NewReader(exposition), tc.name)
		if err != nil || got != tc.want {
			t.Errorf("metricValue(%s) = %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
	if _, err := metricValue(strings.NewReader(exposition), "novatalks_absent"); err == nil {
		t.Error("an absent metric gave no error")
	}
}

func TestCPUReadingSince(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
	before := cpuReading{at: t0, server: 10 * time.Second, tool: 2 * time.Second}
	after := cpuReading{at: t0.Add(5 * time.Second), server: 16 * time.Second, tool: 4 * time.Second}
	if server, tool := after.since(before); server != 1.2 || tool != 0.4 {
		t.Errorf("since = %v server, %v tool cores; want 1.2, 0.4", server, tool)
	}
}

func TestTimeline(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
	at := func(ms int, latency time.Duration) sample {
		return sample{sent: t0.Add(time.Duration(ms) * time.Millisecond), latency: latency}
	}
	samples := []sample{
		at(-1, time.Millisecond), // sent a moment before the step's clock started
		at(100, 2*time.Millisecond),
		at(999, 3*time.Millisecond),
		// nothing sent in the second window
		at(2500, 40*time.Millisecond),
		at(2600, 4*time.Millisecond),
	}
	got := timeline(samples, t0, time.Second)
	want := []window{
		{at: 0, count: 3, latencyQuantiles: latencyQuantiles{p50: 2 * time.Millisecond, p90: 3 * time.Millisecond, p99: 3 * time.Millisecond, max: 3 * time.Millisecond}},
		{at: time.Second},
		{at: 2 * time.Second, count: 2, latencyQuantiles: latencyQuantiles{p50: 40 * time.Millisecond, p90: 40 * time.Millisecond, p99: 40 * time.Millisecond, max: 40 * time.Millisecond}},
	}
	if len(got) != len(want) {
		t.Fatalf("timeline = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("window %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if q := quantiles(samples); q.max != 40*time.Millisecond || q.p50 != 3*time.Millisecond {
		t.Errorf("quantiles of the step = %+v", q)
	}
}
