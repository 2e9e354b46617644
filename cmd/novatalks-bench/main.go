// Command novatalks-bench is the load tool of novatalks. It targets a running
// server (on loopback) and reports, in one run:
//
//   - the server's memory per idle subscribed WebSocket connection, as the
//     growth of its resident set divided by the connections, read after the
//     server has settled and collected garbage, at each --conns level;
//   - the latency from the REST call that creates a message to its
//     message.created frame at the subscriber, p50/p99, at --rate messages/s
//     spread over --conversations conversations;
//   - the highest rate (stepping by --search-step) the server sustains with
//     p99 under --p99-limit, with every message persisted.
//
// Every phase is bounded in count and time, and clients spread over several
// 127.0.0.x source addresses. The server must be started with an
// administrator token the tool can use (NOVATALKS_ADMIN_TOKEN) so that it can
// ask the server to collect garbage before reading its memory.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type config struct {
	URL            string
	AdminToken     string
	Conns          []int
	Sources        int
	Rate           int
	Conversations  int
	Duration       time.Duration
	Warmup         time.Duration
	Search         bool
	SearchFrom     int
	SearchStep     int
	SearchMax      int
	SearchDuration time.Duration
	P99Limit       time.Duration
	Settle         time.Duration
	SkipMemory     bool
	SkipLatency    bool
	Senders        int
	CPUProfile     string
	Timeline       time.Duration
}

func main() {
	var cfg config
	var conns string
	flag.StringVar(&cfg.URL, "url", "http://127.0.0.1:8080", "server base URL (loopback only)")
	flag.StringVar(&cfg.AdminToken, "admin-token", os.Getenv("NOVATALKS_ADMIN_TOKEN"), "administrator API token (NOVATALKS_ADMIN_TOKEN)")
	flag.StringVar(&conns, "conns", "10000,18000", "idle connection levels to measure memory at")
	flag.IntVar(&cfg.Sources, "sources", 16, "number of 127.0.0.x source addresses to spread clients over")
	flag.IntVar(&cfg.Rate, "rate", 2000, "messages per second for the latency phase")
	flag.IntVar(&cfg.Conversations, "conversations", 1000, "conversations (each with one subscriber) for the latency phase")
	flag.DurationVar(&cfg.Duration, "duration", 10*time.Second, "measured time of the latency phase")
	flag.DurationVar(&cfg.Warmup, "warmup", 5*time.Second, "unmeasured time before each latency measurement")
	flag.BoolVar(&cfg.Search, "search", true, "after the latency phase, search the highest rate with p99 under --p99-limit")
	flag.IntVar(&cfg.SearchFrom, "search-from", 0, "first rate the search tries (default: --search-step)")
	flag.IntVar(&cfg.SearchStep, "search-step", 1000, "rate step of the search")
	flag.IntVar(&cfg.SearchMax, "search-max", 20000, "highest rate the search tries")
	flag.DurationVar(&cfg.SearchDuration, "search-duration", 5*time.Second, "measured time of each search step")
	flag.DurationVar(&cfg.P99Limit, "p99-limit", 50*time.Millisecond, "p99 a search step must stay under")
	flag.DurationVar(&cfg.Settle, "settle", 5*time.Second, "wait before reading the server's memory")
	flag.BoolVar(&cfg.SkipMemory, "skip-memory", false, "skip the memory phase")
	flag.BoolVar(&cfg.SkipLatency, "skip-latency", false, "skip the latency phases")
	// Enough senders that a stall of the server is measured, not hidden:
	// at 10,000/s, 1,024 cover 100 ms of sends. With fewer, all senders
	// wait out a stall and the sends due meanwhile start late, their wait
	// uncounted (latency runs from the REST call), as contacts who send on
	// their own schedule would not.
	flag.IntVar(&cfg.Senders, "senders", 1024, "concurrent HTTP senders in the latency phase")
	flag.StringVar(&cfg.CPUProfile, "cpuprofile", "", "write the tool's own CPU profile to this file")
	flag.DurationVar(&cfg.Timeline, "timeline", 0, "after each measured step, print its latencies by when the messages were sent, in windows this long (0: off)")
	flag.Parse()
	for _, s := range strings.Split(conns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			fatalf("--conns: %q is not a positive number", s)
		}
		cfg.Conns = append(cfg.Conns, n)
	}
	if !isLoopbackURL(cfg.URL) {
		fatalf("--url must point at a loopback address (127.0.0.0/8, localhost or [::1])")
	}
	raiseFileLimit()
	// The tool shares the server's cores: collect garbage less often, which
	// costs it memory, not the server.
	debug.SetGCPercent(400)
	if cfg.CPUProfile != "" {
		f, err := os.Create(cfg.CPUProfile)
		if err != nil {
			fatalf("--cpuprofile: %v", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fatalf("--cpuprofile: %v", err)
		}
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Every phase is bounded; this is the bound of the whole run.
	ctx, cancel := context.WithTimeout(ctx, 30*time.Minute)
	defer cancel()
	b := newBench(cfg)
	fmt.Printf("novatalks-bench against %s, %d source addresses\n", cfg.URL, cfg.Sources)
	if !cfg.SkipMemory {
		if err := b.memory(ctx); err != nil {
			fatalf("memory phase: %v", err)
		}
	}
	if !cfg.SkipLatency {
		if err := b.latency(ctx); err != nil {
			fatalf("latency phase: %v", err)
		}
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "novatalks-bench: "+format+"\n", args...)
	os.Exit(1)
}

// raiseFileLimit lifts the soft open-files limit to the hard one: the tool
// holds one socket per connection.
func raiseFileLimit() {
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) == nil && lim.Cur < lim.Max {
		lim.Cur = lim.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
}
