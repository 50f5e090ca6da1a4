package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// Profile serves Go's profiler (net/http/pprof) on addr until ctx is done,
// for `make loadtest LOADTEST_PROFILE=1` and anyone asking where a request's
// time goes. It is off unless addr is set, and addr must be a loopback
// address: a profile shows the program's internals, and /debug/pprof/ can
// be made to work for minutes on end.
func Profile(ctx context.Context, addr string, logger *slog.Logger) error {
	if addr == "" {
		return nil
	}
	if err := loopbackOnly(addr); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("profiler: listen on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Warn("profiler stopped", "err", err)
		}
	}()
	logger.Info("profiler listening", "addr", ln.Addr().String())
	return nil
}

// loopbackOnly refuses an address whose host is not a loopback IP or
// "localhost" (an empty host would listen on every interface).
func loopbackOnly(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("profiler address %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("profiler address %q: only a loopback address (127.0.0.1:port) is allowed", addr)
}
