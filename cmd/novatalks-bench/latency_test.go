package main

import (
	"bytes"
	"io"
	"testing"
	"testing/iotest"
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
