package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// latency measures REST-to-subscriber latency at --rate and then searches the
// highest rate with p99 under --p99-limit.
func (b *bench) latency(ctx context.Context) error {
	n := b.cfg.Conversations
	fmt.Printf("\n== latency: POST message -> message.created at the subscriber, %d conversations\n", n)
	tokens, _, err := b.createConversations(ctx, n)
	if err != nil {
		return err
	}
	rec := &recorder{sent: map[string]time.Time{}}
	var conns []*websocket.Conn
	defer func() {
		for _, c := range conns {
			c.CloseNow()
		}
	}()
	readCtx, stopRead := context.WithCancel(ctx)
	defer stopRead()
	for _, tok := range tokens {
		c, err := b.dialSubscribed(ctx, tok)
		if err != nil {
			return err
		}
		conns = append(conns, c)
		go rec.read(readCtx, c)
	}
	// The senders and their connections last the whole phase: the warm-up
	// of each measurement opens them, so that it measures a steady load
	// and not 1,024 connections being opened in its first moments.
	senders := make([]*sender, b.cfg.Senders)
	for i := range senders {
		senders[i] = b.newSender()
	}
	defer func() {
		for _, s := range senders {
			s.close()
		}
	}()
	fmt.Printf("%8s %10s %9s %9s %9s %9s %8s %7s %7s\n", "rate/s", "achieved", "p50", "p90", "p99", "max", "errors", "server", "tool")
	run := func(rate int, d time.Duration) (result, error) {
		if _, err := b.load(ctx, rec, senders, tokens, rate, b.cfg.Warmup); err != nil {
			return result{}, err
		}
		before, err := b.cpuNow(ctx)
		if err != nil {
			return result{}, err
		}
		res, err := b.load(ctx, rec, senders, tokens, rate, d)
		if err != nil {
			return res, err
		}
		after, err := b.cpuNow(ctx)
		if err != nil {
			return res, err
		}
		res.serverCores, res.toolCores = after.since(before)
		fmt.Println(res)
		if b.cfg.Timeline > 0 {
			printTimeline(timeline(res.samples, res.start, b.cfg.Timeline))
		}
		return res, nil
	}
	if _, err := run(b.cfg.Rate, b.cfg.Duration); err != nil {
		return err
	}
	if !b.cfg.Search {
		return nil
	}
	fmt.Printf("\n== search: highest rate with p99 < %v (steps of %v)\n", b.cfg.P99Limit, b.cfg.SearchDuration)
	best, from := 0, b.cfg.SearchFrom
	if from <= 0 {
		from = b.cfg.SearchStep
	}
	for rate := from; rate <= b.cfg.SearchMax; rate += b.cfg.SearchStep {
		res, err := run(rate, b.cfg.SearchDuration)
		if err != nil {
			return err
		}
		if res.p99 >= b.cfg.P99Limit || res.achieved < 0.95*float64(rate) || res.errors > 0 || res.lost > 0 {
			break
		}
		best = rate
	}
	fmt.Printf("highest sustained rate with p99 < %v: %d messages/s\n", b.cfg.P99Limit, best)
	return nil
}

// recorder matches sent messages (by echo_id) with their message.created frames.
type recorder struct {
	mu      sync.Mutex
	sent    map[string]time.Time
	samples []sample
}

// sample is one message that arrived: when it was sent, and its latency.
type sample struct {
	sent    time.Time
	latency time.Duration
}

func (r *recorder) read(ctx context.Context, c *websocket.Conn) {
	buf := make([]byte, 4096) // reused for every frame of this connection
	for {
		_, rd, err := c.Reader(ctx)
		if err != nil {
			return
		}
		b, err := readFrame(rd, buf[:0])
		if err != nil {
			return
		}
		buf = b[:0]
		now := time.Now()
		head := b[:min(len(b), 40)]
		if !bytes.Contains(head, []byte("message.created")) {
			if bytes.Contains(head, []byte("presence.update")) {
				wctx, cancel := context.WithTimeout(ctx, time.Second)
				_ = c.Write(wctx, websocket.MessageText, []byte(`{"event":"update_presence"}`))
				cancel()
			}
			continue
		}
		echo, ok := echoID(b)
		if !ok {
			continue
		}
		r.mu.Lock()
		if t0, ok := r.sent[string(echo)]; ok {
			delete(r.sent, string(echo))
			r.samples = append(r.samples, sample{sent: t0, latency: now.Sub(t0)})
		}
		r.mu.Unlock()
	}
}

// readFrame appends the whole frame rd yields to buf.
func readFrame(rd io.Reader, buf []byte) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := rd.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		} else if err != nil {
			return nil, err
		}
	}
}

// echoID returns the echo_id of a message.created frame without decoding
// it. A JSON string cannot hold an unescaped quote, so "echo_id":" can only
// be a key; the tool's messages have empty content_attributes, and the
// message's echo_id comes before the objects that follow it (attachments,
// sender, reply), so the first such key is the message's. A frame whose
// echo_id is not one the tool is waiting for counts as nothing, and its
// message as lost.
func echoID(frame []byte) ([]byte, bool) {
	const key = `"echo_id":"`
	i := bytes.Index(frame, []byte(key))
	if i < 0 {
		return nil, false
	}
	rest := frame[i+len(key):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return nil, false
	}
	return rest[:j], true
}

type result struct {
	rate                   int
	achieved               float64
	p50, p90, p99, max     time.Duration
	errors, lost, count    int
	serverCores, toolCores float64 // CPU used over the step, in cores
	start                  time.Time
	samples                []sample // the messages that arrived, in arrival order
}

func (r result) String() string {
	return fmt.Sprintf("%8d %10.0f %9v %9v %9v %9v %8d %7.2f %7.2f", r.rate, r.achieved, r.p50.Round(10*time.Microsecond),
		r.p90.Round(10*time.Microsecond), r.p99.Round(10*time.Microsecond), r.max.Round(10*time.Microsecond), r.errors+r.lost,
		r.serverCores, r.toolCores)
}

// cpuReading is the CPU time the server and the tool have used, at a moment.
type cpuReading struct {
	at           time.Time
	server, tool time.Duration
}

// cpuNow reads the server's CPU time from its /metrics and the tool's own.
func (b *bench) cpuNow(ctx context.Context) (cpuReading, error) {
	server, err := b.serverCPU(ctx)
	if err != nil {
		return cpuReading{}, err
	}
	return cpuReading{at: time.Now(), server: server, tool: ownCPU()}, nil
}

// since returns the cores the server and the tool used on average between
// earlier and r.
func (r cpuReading) since(earlier cpuReading) (server, tool float64) {
	wall := r.at.Sub(earlier.at).Seconds()
	if wall <= 0 {
		return 0, 0
	}
	return (r.server - earlier.server).Seconds() / wall, (r.tool - earlier.tool).Seconds() / wall
}

var echoSeq atomic.Int64

// load sends rate messages/s for d through senders (open loop: sends are
// scheduled by the clock, not by the previous answer) and returns the
// latency distribution of those that arrived.
func (b *bench) load(ctx context.Context, rec *recorder, senders []*sender, tokens []string, rate int, d time.Duration) (result, error) {
	rec.mu.Lock()
	rec.samples = nil
	clear(rec.sent)
	rec.mu.Unlock()
	total := int(float64(rate) * d.Seconds())
	work := make(chan int, len(senders)*4)
	var errs atomic.Int64
	var wg sync.WaitGroup
	for _, s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				echo := "b" + strconv.FormatInt(echoSeq.Add(1), 36)
				rec.mu.Lock()
				rec.sent[echo] = time.Now()
				rec.mu.Unlock()
				if err := s.send(ctx, tokens[i%len(tokens)], echo); err != nil {
					errs.Add(1)
				}
			}
		}()
	}
	start := time.Now()
	interval := time.Second / time.Duration(rate)
	for i := range total {
		due := start.Add(time.Duration(i) * interval)
		if wait := time.Until(due); wait > 0 {
			time.Sleep(wait)
		}
		select {
		case work <- i:
		case <-ctx.Done():
			close(work)
			wg.Wait()
			return result{}, ctx.Err()
		}
	}
	close(work)
	wg.Wait()
	elapsed := time.Since(start)
	// Give the last frames time to arrive.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		rec.mu.Lock()
		pending := len(rec.sent)
		rec.mu.Unlock()
		if pending == 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	rec.mu.Lock()
	samples := rec.samples
	rec.samples = nil
	lost := len(rec.sent)
	rec.mu.Unlock()
	res := result{rate: rate, achieved: float64(total) / elapsed.Seconds(), errors: int(errs.Load()), lost: lost,
		count: len(samples), start: start, samples: samples}
	q := quantiles(samples)
	res.p50, res.p90, res.p99, res.max = q.p50, q.p90, q.p99, q.max
	return res, nil
}

// latencyQuantiles summarizes the latencies of some samples.
type latencyQuantiles struct{ p50, p90, p99, max time.Duration }

func quantiles(samples []sample) latencyQuantiles {
	if len(samples) == 0 {
		return latencyQuantiles{}
	}
	lat := make([]time.Duration, len(samples))
	for i, s := range samples {
		lat[i] = s.latency
	}
	slices.Sort(lat)
	pick := func(q float64) time.Duration { return lat[min(len(lat)-1, int(q*float64(len(lat))))] }
	return latencyQuantiles{pick(0.50), pick(0.90), pick(0.99), lat[len(lat)-1]}
}

// window is the messages of a step sent in one span of --timeline.
type window struct {
	at    time.Duration // the span's start, from the step's
	count int
	latencyQuantiles
}

// timeline splits a step's samples by when they were sent, into spans of
// width from start, and summarizes each: it shows whether a step's tail is
// a few stalls (a few windows with a high max) or spread over the step.
func timeline(samples []sample, start time.Time, width time.Duration) []window {
	var byWindow [][]sample
	for _, s := range samples {
		i := int(max(s.sent.Sub(start), 0) / width)
		for len(byWindow) <= i {
			byWindow = append(byWindow, nil)
		}
		byWindow[i] = append(byWindow[i], s)
	}
	out := make([]window, len(byWindow))
	for i, list := range byWindow {
		out[i] = window{at: time.Duration(i) * width, count: len(list), latencyQuantiles: quantiles(list)}
	}
	return out
}

func printTimeline(windows []window) {
	fmt.Printf("%10s %8s %9s %9s %9s\n", "sent at", "count", "p50", "p99", "max")
	for _, w := range windows {
		fmt.Printf("%10v %8d %9v %9v %9v\n", w.at, w.count, w.p50.Round(10*time.Microsecond),
			w.p99.Round(10*time.Microsecond), w.max.Round(10*time.Microsecond))
	}
}
