// Command exampleapp is the customer-facing app the real test nodes run: an HTTP server
// with /healthz (alive), /ready (its database answers), a page that writes and counts a
// row, and Prometheus metrics on a second port. A release is made bad in its image
// (EXAMPLE_APP_FAULT=errors answers 500, =crash exits after start), never by the test.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

type counters struct {
	mu sync.Mutex
	n  map[string]float64
}

func (c *counters) inc(key string) {
	c.mu.Lock()
	c.n[key]++
	c.mu.Unlock()
}

func (c *counters) write(w http.ResponseWriter) {
	c.mu.Lock()
	defer c.mu.Unlock()
	keys := make([]string, 0, len(c.n))
	for k := range c.n {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "%s %g\n", k, c.n[k])
	}
}

func env(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

// logLine writes one JSON object per line on stdout, what `landlord logs` shows.
func logLine(msg string, fields map[string]any) {
	fields["msg"] = msg
	fields["time"] = time.Now().UTC().Format(time.RFC3339Nano)
	b, _ := json.Marshal(fields)
	fmt.Println(string(b))
}

func main() {
	version := env("APP_VERSION", "unknown")
	fault := os.Getenv("EXAMPLE_APP_FAULT")
	requests := &counters{n: map[string]float64{}}
	var pool *pgxpool.Pool
	if url := os.Getenv("DATABASE_URL"); url != "" {
		p, err := pgxpool.New(context.Background(), url)
		if err != nil {
			logLine("database url refused", map[string]any{"error": err.Error()})
		} else {
			pool = p
		}
	}
	dbUp := func(ctx context.Context) bool {
		if pool == nil {
			return false
		}
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		return pool.Ping(ctx) == nil
	}

	app := http.NewServeMux()
	key := func(path string, code int) string {
		return fmt.Sprintf(`http_requests_total{code="%d",path="%s"}`, code, path)
	}
	count := func(path string, code int) {
		requests.inc(key(path, code))
	}
	// The page's outcomes exist from the start at zero, so an error ratio is 0 before the
	// first error (not "no data"), as client libraries advise for known label values.
	requests.mu.Lock()
	requests.n[key("/", 200)], requests.n[key("/", 500)] = 0, 0
	requests.mu.Unlock()
	app.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		count("/healthz", 200)
		fmt.Fprintln(w, "ok")
	})
	app.HandleFunc("/ready", func(w http.ResponseWriter, r *http.Request) {
		if os.Getenv("DATABASE_URL") != "" && !dbUp(r.Context()) {
			count("/ready", 503)
			http.Error(w, "database not reachable", http.StatusServiceUnavailable)
			return
		}
		count("/ready", 200)
		fmt.Fprintln(w, "ready")
	})
	app.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if fault == "errors" {
			count("/", 500)
			logLine("request failed", map[string]any{"path": r.URL.Path, "code": 500, "version": version})
			http.Error(w, "this release is broken", http.StatusInternalServerError)
			return
		}
		visits := int64(-1)
		if pool != nil {
			ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
			defer cancel()
			_, err := pool.Exec(ctx, `CREATE TABLE IF NOT EXISTS visits (id bigserial PRIMARY KEY, path text NOT NULL, at timestamptz NOT NULL DEFAULT now())`)
			if err == nil {
				_, err = pool.Exec(ctx, `INSERT INTO visits (path) VALUES ($1)`, r.URL.Path)
			}
			if err == nil {
				err = pool.QueryRow(ctx, `SELECT count(*) FROM visits`).Scan(&visits)
			}
			if err != nil {
				count("/", 500)
				logLine("database write failed", map[string]any{"error": err.Error()})
				http.Error(w, "database write failed", http.StatusInternalServerError)
				return
			}
		}
		count("/", 200)
		logLine("request", map[string]any{"path": r.URL.Path, "code": 200, "version": version, "visits": visits})
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"version": version, "visits": visits, "host": env("HOSTNAME", "")})
	})

	metrics := http.NewServeMux()
	metrics.HandleFunc("/metrics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		fmt.Fprintf(w, "# TYPE http_requests_total counter\n")
		requests.write(w)
		up := 0
		if dbUp(r.Context()) {
			up = 1
		}
		fmt.Fprintf(w, "# TYPE app_database_up gauge\napp_database_up %d\n", up)
		fmt.Fprintf(w, "# TYPE app_build_info gauge\napp_build_info{version=%q} 1\n", strings.ReplaceAll(version, `"`, ""))
	})

	port, metricsPort := env("PORT", "8080"), env("METRICS_PORT", "9090")
	logLine("starting", map[string]any{"version": version, "port": port, "metricsPort": metricsPort, "database": pool != nil})
	if fault == "crash" {
		time.Sleep(2 * time.Second)
		logLine("crashing on purpose (EXAMPLE_APP_FAULT=crash)", map[string]any{"version": version})
		os.Exit(3)
	}
	if port != metricsPort {
		go func() { log.Fatal(http.ListenAndServe(":"+metricsPort, metrics)) }()
	} else {
		app.Handle("/metrics", metrics)
	}
	log.Fatal(http.ListenAndServe(":"+port, app))
}
