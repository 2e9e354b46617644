package main

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// memory opens idle subscribed connections up to each --conns level and
// reports the server's resident-set growth per connection.
func (b *bench) memory(ctx context.Context) error {
	levels := slices.Clone(b.cfg.Conns)
	slices.Sort(levels)
	max := levels[len(levels)-1]
	fmt.Printf("\n== memory per idle subscribed connection\ncreating %d conversations...\n", max)
	start := time.Now()
	tokens, _, err := b.createConversations(ctx, max)
	if err != nil {
		return err
	}
	fmt.Printf("created in %v\n", time.Since(start).Round(time.Millisecond))
	base, err := b.settledRSS(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("baseline server RSS %.1f MiB\n", mib(base))

	var mu sync.Mutex
	conns := make([]*websocket.Conn, 0, max)
	defer func() {
		for _, c := range conns {
			c.CloseNow()
		}
	}()
	// Keep the clients alive: the server drops a client silent for three
	// presence intervals (90 s by default).
	keepCtx, stopKeep := context.WithCancel(ctx)
	defer stopKeep()
	go func() {
		ticker := time.NewTicker(20 * time.Second)
		defer ticker.Stop()
		for {
			select {
			case <-keepCtx.Done():
				return
			case <-ticker.C:
			}
			mu.Lock()
			list := slices.Clone(conns)
			mu.Unlock()
			for _, c := range list {
				wctx, cancel := context.WithTimeout(keepCtx, time.Second)
				_ = c.Write(wctx, websocket.MessageText, []byte(`{"event":"update_presence"}`))
				cancel()
			}
		}
	}()

	fmt.Printf("%12s %14s %16s %14s %16s\n", "connections", "server RSS", "growth", "per conn", "marginal/conn")
	prevRSS, prevConns := base, 0
	for _, level := range levels {
		start := time.Now()
		work := make(chan string)
		var wg sync.WaitGroup
		var dialErr error
		for range 128 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for tok := range work {
					c, err := b.dialSubscribed(ctx, tok)
					mu.Lock()
					if err != nil {
						if dialErr == nil {
							dialErr = err
						}
					} else {
						conns = append(conns, c)
					}
					mu.Unlock()
				}
			}()
		}
		for _, tok := range tokens[len(conns):level] {
			work <- tok
		}
		close(work)
		wg.Wait()
		if dialErr != nil {
			return fmt.Errorf("at %d connections: %w", len(conns), dialErr)
		}
		opened := time.Since(start)
		rss, err := b.settledRSS(ctx)
		if err != nil {
			return err
		}
		growth := rss - base
		// The marginal figure leaves out one-off growth (caches warmed by the
		// first subscriptions): it is the cost of the connections added since
		// the previous level.
		marginal := float64(rss-prevRSS) / 1024 / float64(len(conns)-prevConns)
		fmt.Printf("%12d %11.1f MiB %13.1f MiB %11.2f KiB %13.2f KiB   (opened and subscribed in %v)\n",
			len(conns), mib(rss), mib(growth), float64(growth)/1024/float64(len(conns)), marginal, opened.Round(time.Millisecond))
		prevRSS, prevConns = rss, len(conns)
	}
	runtime.KeepAlive(conns)
	return nil
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }
