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
	"strconv"
	"strings"
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
	// serverCPU is the CPU time the -server-pid processes used meanwhile
	// (0 when none was named or /proc cannot tell).
	serverCPU time.Duration
}

// drive runs c.concurrency workers. Each is set up first (a flow worker
// signs in), outside the measured time; then all run operations until the
// duration ends or c.maxOps operations have started.
func drive(ctx context.Context, c config, newWorker func(context.Context) (operation, error)) (result, error) {
	ops, setupErrs, err := setUp(ctx, c, newWorker)
	if err != nil {
		return result{}, err
	}
	r := measure(ctx, c, ops, c.duration)
	r.setupErrs = setupErrs
	return r, nil
}

// setUp makes c.concurrency workers at once; it fails only when none could
// start, and counts the failures of the others by kind.
func setUp(ctx context.Context, c config, newWorker func(context.Context) (operation, error)) ([]operation, map[string]int, error) {
	setupErrs := map[string]int{}
	ops := make([]operation, 0, c.concurrency)
	setupCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range c.concurrency {
		wg.Go(func() {
			op, err := newWorker(setupCtx)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				setupErrs[kindOf(err)]++
				return
			}
			ops = append(ops, op)
		})
	}
	wg.Wait()
	if len(ops) == 0 {
		return nil, setupErrs, fmt.Errorf("no worker could start: %v", setupErrs)
	}
	return ops, setupErrs, nil
}

// measure runs each of ops on its own goroutine, over and over, for the
// duration or until c.maxOps operations have started.
func measure(ctx context.Context, c config, ops []operation, duration time.Duration) result {
	r := result{errors: map[string]int{}, setupErrs: map[string]int{}}
	runCtx, cancel := context.WithTimeout(ctx, duration)
	defer cancel()
	var started atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	begin := time.Now()
	cpuBegin := cpuTime()
	serverBegin := processesCPU(c.serverPIDs)
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
	if serverBegin > 0 {
		r.serverCPU = processesCPU(c.serverPIDs) - serverBegin
	}
	return r
}

// add puts the measurements of o into r, for a run made of several blocks.
func (r *result) add(o result) {
	r.elapsed += o.elapsed
	r.latencies = append(r.latencies, o.latencies...)
	for k, n := range o.errors {
		r.errors[k] += n
	}
	r.locked += o.locked
	r.cpu += o.cpu
	r.serverCPU += o.serverCPU
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

// userHZ is the unit of the CPU times in /proc/PID/stat: Linux reports
// them in USER_HZ ticks, which is 100 on every architecture Go runs on.
const userHZ = 100

// processesCPU is the CPU time (user and system, all threads) the processes
// have used so far, from fields 14 and 15 of /proc/PID/stat; 0 when any of
// them cannot be read (another system, or a process that has ended).
func processesCPU(pids []int) time.Duration {
	var ticks int64
	for _, pid := range pids {
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return 0
		}
		// The command name (field 2) is in parentheses and may hold
		// spaces, so the fields are counted from its closing one: field 3
		// comes first after it, so utime and stime are the 12th and 13th.
		_, rest, ok := strings.Cut(string(raw), ") ")
		fields := strings.Fields(rest)
		if !ok || len(fields) < 13 {
			return 0
		}
		for _, f := range fields[11:13] {
			n, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				return 0
			}
			ticks += n
		}
	}
	return time.Duration(ticks) * time.Second / userHZ
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
	unit := modes[mode]
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
	if r.serverCPU > 0 && n > 0 {
		fmt.Fprintf(w, "server CPU: %.1fs in %.1fs (%.2f cores), %.1f µs per operation\n",
			r.serverCPU.Seconds(), r.elapsed.Seconds(), r.serverCPU.Seconds()/r.elapsed.Seconds(),
			float64(r.serverCPU.Microseconds())/float64(n))
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
