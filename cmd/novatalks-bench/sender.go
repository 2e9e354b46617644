package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// sender posts messages as a contact over one kept-alive HTTP/1.1
// connection of its own. It is the load tool's cheapest way to send, since
// the tool shares the server's cores: no http.Transport (with its two
// goroutines and channel hand-offs per connection), one write per request,
// and the response parsed by net/http.ReadResponse. A sender is used by one
// goroutine at a time.
type sender struct {
	addr, host string
	conn       net.Conn
	br         *bufio.Reader
	req        []byte
}

func (b *bench) newSender() *sender {
	u, _ := url.Parse(b.cfg.URL) // checked by isLoopbackURL
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "80")
	}
	return &sender{addr: addr, host: u.Host}
}

// send posts one text message with echo_id echo as the contact of token and
// fails unless the server answers 200.
func (s *sender) send(ctx context.Context, token, echo string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.conn == nil {
		d := net.Dialer{Timeout: 10 * time.Second}
		conn, err := d.DialContext(ctx, "tcp", s.addr)
		if err != nil {
			return err
		}
		s.conn, s.br = conn, bufio.NewReaderSize(conn, 4096)
	}
	body := `{"message":{"content":"load test message ` + echo + `","echo_id":"` + echo + `"}}`
	r := s.req[:0]
	r = append(r, "POST /api/v1/sdk/conversations/messages HTTP/1.1\r\nHost: "...)
	r = append(r, s.host...)
	r = append(r, "\r\nContent-Type: application/json\r\naccess_token: "...)
	r = append(r, token...)
	r = append(r, "\r\nContent-Length: "...)
	r = strconv.AppendInt(r, int64(len(body)), 10)
	r = append(r, "\r\n\r\n"...)
	r = append(r, body...)
	s.req = r
	// The bound of a request, as the http.Client's Timeout was.
	if err := s.conn.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
		s.close()
		return err
	}
	if _, err := s.conn.Write(r); err != nil {
		s.close()
		return err
	}
	resp, err := http.ReadResponse(s.br, nil)
	if err != nil {
		s.close()
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil || resp.Close {
		s.close()
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return err
}

func (s *sender) close() {
	if s.conn != nil {
		s.conn.Close()
		s.conn, s.br = nil, nil
	}
}
