package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// bench holds what every phase shares: HTTP clients bound to the source
// addresses and the server's URLs.
type bench struct {
	cfg     config
	api     *http.Client
	sources []*http.Client // one per 127.0.0.x source address, for WebSockets
	wsURL   string
	next    atomic.Uint64
}

func newBench(cfg config) *bench {
	b := &bench{cfg: cfg, wsURL: "ws" + strings.TrimPrefix(strings.TrimRight(cfg.URL, "/"), "http") + "/ws"}
	b.api = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, IdleConnTimeout: time.Minute,
	}}
	for i := range cfg.Sources {
		src := &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(1+i%250))}
		dialer := &net.Dialer{LocalAddr: src, Timeout: 10 * time.Second}
		b.sources = append(b.sources, &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext}})
	}
	return b
}

func isLoopbackURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// createConversations creates n conversations with concurrency c and returns
// their pubsub tokens and IDs.
func (b *bench) createConversations(ctx context.Context, n int) ([]string, []int64, error) {
	tokens := make([]string, n)
	ids := make([]int64, n)
	var wg sync.WaitGroup
	var firstErr error
	var mu sync.Mutex
	work := make(chan int)
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				tok, id, err := b.createConversation(ctx, i)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				tokens[i], ids[i] = tok, id
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return tokens, ids, firstErr
}

func (b *bench) createConversation(ctx context.Context, i int) (string, int64, error) {
	body := fmt.Sprintf(`{"name": "bench-%d"}`, i)
	req, _ := http.NewRequestWithContext(ctx, "POST", b.cfg.URL+"/api/v1/sdk/conversations", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.api.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	var out struct {
		Payload struct {
			ContactInbox struct{ PubsubToken string }
			Conversation struct{ ID int64 }
		}
	}
	if resp.StatusCode != 200 {
		raw, _ := io.ReadAll(resp.Body)
		return "", 0, fmt.Errorf("create conversation: %d %s", resp.StatusCode, raw)
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return "", 0, err
	}
	return out.Payload.ContactInbox.PubsubToken, out.Payload.Conversation.ID, nil
}

// dialSubscribed opens a WebSocket from the next source address, subscribes
// with token and waits for the confirmation.
func (b *bench) dialSubscribed(ctx context.Context, token string) (*websocket.Conn, error) {
	client := b.sources[b.next.Add(1)%uint64(len(b.sources))]
	dctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(dctx, b.wsURL, &websocket.DialOptions{HTTPClient: client})
	if err != nil {
		return nil, err
	}
	conn.SetReadLimit(1 << 20)
	sub, _ := json.Marshal(map[string]any{"event": "subscribe", "data": map[string]any{"pubsub_token": token}})
	if err := conn.Write(dctx, websocket.MessageText, sub); err != nil {
		conn.CloseNow()
		return nil, err
	}
	for {
		_, b, err := conn.Read(dctx)
		if err != nil {
			conn.CloseNow()
			return nil, err
		}
		if bytes.Contains(b, []byte(`"confirm_subscription"`)) {
			return conn, nil
		}
		if bytes.Contains(b, []byte(`"reject_subscription"`)) {
			conn.CloseNow()
			return nil, fmt.Errorf("subscription rejected")
		}
	}
}

// serverRSS returns the server's resident set size from its /metrics.
func (b *bench) serverRSS(ctx context.Context) (int64, error) {
	v, err := b.serverMetric(ctx, "process_resident_memory_bytes")
	return int64(v), err
}

// serverCPU returns the CPU time the server has used, from its /metrics.
func (b *bench) serverCPU(ctx context.Context) (time.Duration, error) {
	v, err := b.serverMetric(ctx, "process_cpu_seconds_total")
	return time.Duration(v * float64(time.Second)), err
}

// serverMetric reads the value of an unlabelled metric from the server's
// /metrics.
func (b *bench) serverMetric(ctx context.Context, name string) (float64, error) {
	req, _ := http.NewRequestWithContext(ctx, "GET", b.cfg.URL+"/metrics", nil)
	resp, err := b.api.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return metricValue(resp.Body, name)
}

// metricValue finds the unlabelled metric name in a Prometheus text
// exposition.
func metricValue(r io.Reader, name string) (float64, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no %s in /metrics", name)
}

// freeServerMemory asks the server to collect garbage and return it to the OS.
func (b *bench) freeServerMemory(ctx context.Context) error {
	req, _ := http.NewRequestWithContext(ctx, "POST", b.cfg.URL+"/debug/free-memory", nil)
	req.Header.Set("api_access_token", b.cfg.AdminToken)
	resp, err := b.api.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		raw, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("free-memory: %d %s (is --admin-token right?)", resp.StatusCode, raw)
	}
	return nil
}

// settledRSS waits, has the server collect garbage twice, and reads its RSS.
func (b *bench) settledRSS(ctx context.Context) (int64, error) {
	select {
	case <-time.After(b.cfg.Settle):
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	for range 2 {
		if err := b.freeServerMemory(ctx); err != nil {
			return 0, err
		}
		time.Sleep(500 * time.Millisecond)
	}
	return b.serverRSS(ctx)
}
