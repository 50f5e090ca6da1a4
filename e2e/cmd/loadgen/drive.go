package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// operation is one unit of load (one token request, or one whole flow); it
// returns nil or an error whose Error() is the kind of failure.
type operation func(ctx context.Context) error

// errLocked marks a response whose body said "database is locked": the
// one failure the single-writer design must never let through.
var errLocked = errors.New(`"database is locked" in a response`)

// result is what a run measured.
type result struct {
	elapsed   time.Duration
	latencies []time.Duration // of the operations that succeeded
	errors    map[string]int  // by kind
	locked    int             // responses that said "database is locked"
	setupErrs map[string]int
	// cpu is the CPU time (user and system) the load generator itself
	// used during the measured time: on one machine it takes cores the
	// server could have had.
	cpu time.Duration
}

// drive runs c.concurrency workers. Each is set up first (a flow worker
// signs in), outside the measured time; then all run operations until the
// duration ends or c.maxOps operations have started.
func drive(ctx context.Context, c config, newWorker func(context.Context) (operation, error)) (result, error) {
	r := result{errors: map[string]int{}, setupErrs: map[string]int{}}
	ops := make([]operation, 0, c.concurrency)
	{
		setupCtx, cancel := context.WithTimeout(ctx, time.Minute)
		var mu sync.Mutex
		var wg sync.WaitGroup
		for range c.concurrency {
			wg.Go(func() {
				op, err := newWorker(setupCtx)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					r.setupErrs[kindOf(err)]++
					return
				}
				ops = append(ops, op)
			})
		}
		wg.Wait()
		cancel()
	}
	if len(ops) == 0 {
		return r, fmt.Errorf("no worker could start: %v", r.setupErrs)
	}

	runCtx, cancel := context.WithTimeout(ctx, c.duration)
	defer cancel()
	var started atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	begin := time.Now()
	cpuBegin := cpuTime()
	for _, op := range ops {
		wg.Go(func() {
			var lat []time.Duration
			errs := map[string]int{}
			locked := 0
			for runCtx.Err() == nil {
				if c.maxOps > 0 && started.Add(1) > int64(c.maxOps) {
					break
				}
				t0 := time.Now()
				err := op(runCtx)
				switch {
				case err == nil:
					lat = append(lat, time.Since(t0))
				case runCtx.Err() != nil:
					// Cut short by the end of the run: not a failure.
				default:
					if errors.Is(err, errLocked) {
						locked++
					}
					errs[kindOf(err)]++
				}
			}
			mu.Lock()
			defer mu.Unlock()
			r.latencies = append(r.latencies, lat...)
			for k, n := range errs {
				r.errors[k] += n
			}
			r.locked += locked
		})
	}
	wg.Wait()
	r.elapsed = time.Since(begin)
	r.cpu = cpuTime() - cpuBegin
	return r, nil
}

// cpuTime is the CPU time this process has used so far (0 where the
// system cannot tell).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// kindOf names the kind of a failure, with transport errors grouped so that
// the report stays short.
func kindOf(err error) string {
	var netErr net.Error
	switch {
	case errors.Is(err, errLocked):
		return errLocked.Error()
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.As(err, &netErr):
		return "network error"
	}
	return err.Error()
}

func (r result) print(w io.Writer, mode string) {
	n := len(r.latencies)
	failed := 0
	for _, k := range r.errors {
		failed += k
	}
	unit := "token requests"
	if mode == "flows" {
		unit = "flows (authorize + token exchange)"
	}
	fmt.Fprintf(w, "%d %s in %.2fs: %.0f/s succeeded, %d failed\n", n, unit, r.elapsed.Seconds(), float64(n)/r.elapsed.Seconds(), failed)
	if n > 0 {
		sorted := slices.Clone(r.latencies)
		slices.Sort(sorted)
		fmt.Fprintf(w, "latency: p50 %s  p99 %s  max %s\n", round(pct(sorted, 50)), round(pct(sorted, 99)), round(sorted[n-1]))
	}
	fmt.Fprintf(w, `responses with "database is locked": %d`+"\n", r.locked)
	if r.cpu > 0 && n > 0 {
		fmt.Fprintf(w, "load generator CPU: %.1fs in %.1fs (%.2f cores), %s per operation\n",
			r.cpu.Seconds(), r.elapsed.Seconds(), r.cpu.Seconds()/r.elapsed.Seconds(), round(r.cpu/time.Duration(n)))
	}
	printCounts := func(title string, m map[string]int) {
		if len(m) == 0 {
			return
		}
		fmt.Fprintln(w, title)
		keys := slices.Collect(maps.Keys(m))
		sort.Slice(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] })
		for _, k := range keys {
			fmt.Fprintf(w, "  %6d  %s\n", m[k], k)
		}
	}
	printCounts("workers that could not start, by kind:", r.setupErrs)
	printCounts("errors by kind:", r.errors)
}

// pct is the p-th percentile of sorted (nearest rank).
func pct(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p+99)/100 - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func round(d time.Duration) time.Duration {
	if d > 10*time.Millisecond {
		return d.Round(100 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}
