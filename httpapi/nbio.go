package httpapi

import (
	"fmt"
	"io"
	"net"
	"os"
	"sync/atomic"
	"time"

	"github.com/lesismal/nbio"
	"github.com/lesismal/nbio/nbhttp"
)

// pollerProbe proves that each of an nbio engine's pollers runs its event
// loop.
//
// nbio v1.6.8 races Engine.Start against Engine.Stop: an IO poller clears its
// stop flag when its goroutine first enters its loop (readWriteLoop sets
// p.shutdown = false), so a poller that got there only after Stop had set the
// flag spins forever and Stop never returns. A gateway closed soon after it
// started (a short test, a signal during start-up) hung in Close about once
// in a hundred tries. nbio has no "started" signal, so the probe makes every
// poller handle an event: it adds one end of a loopback connection to each
// poller (nbio gives a connection to the poller of its fd modulo the number
// of pollers) and closes the other end; a poller can only see that hang-up,
// and close its end, from inside its loop.
type pollerProbe struct {
	probing atomic.Bool
	closed  chan struct{}
}

// newPollerProbe returns a probe whose OnClose must be the engine's close
// callback from before the engine starts.
func newPollerProbe(pollers int) *pollerProbe {
	return &pollerProbe{closed: make(chan struct{}, pollers)}
}

// OnClose is the engine's close callback.
func (p *pollerProbe) OnClose(net.Conn, error) {
	if p.probing.Load() {
		select {
		case p.closed <- struct{}{}:
		default:
		}
	}
}

// run probes the n pollers of the started engine e, waiting at most timeout.
func (p *pollerProbe) run(e *nbhttp.Engine, n int, timeout time.Duration) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	// Connections that went to pollers probed already, and files that shift
	// the next descriptors to another poller, held open until the end.
	var spare []io.Closer
	defer func() {
		p.probing.Store(false)
		for _, c := range spare {
			c.Close()
		}
	}()
	p.probing.Store(true)
	probed := map[int]bool{}
	for try := 0; len(probed) < n && try < 16*n; try++ {
		client, c, err := probeConn(e, ln)
		if err != nil {
			return err
		}
		i := c.Hash() % n
		if probed[i] {
			spare = append(spare, client, c)
			if f, err := os.Open(os.DevNull); err == nil {
				spare = append(spare, f)
			}
			continue
		}
		probed[i] = true
		client.Close()
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for range probed {
		select {
		case <-p.closed:
		case <-deadline.C:
			return fmt.Errorf("the pollers did not handle an event within %v", timeout)
		}
	}
	if len(probed) < n {
		return fmt.Errorf("reached %d of %d pollers", len(probed), n)
	}
	return nil
}

// probeConn opens a loopback connection and gives its server end to e.
func probeConn(e *nbhttp.Engine, ln net.Listener) (client net.Conn, c *nbio.Conn, err error) {
	if client, err = net.Dial("tcp", ln.Addr().String()); err != nil {
		return nil, nil, err
	}
	server, err := ln.Accept()
	if err == nil {
		if c, err = e.AddConn(server); err != nil {
			server.Close()
		}
	}
	if err != nil {
		client.Close()
		return nil, nil, err
	}
	return client, c, nil
}
