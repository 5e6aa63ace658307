package itest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/newsflow/newsflow/internal/creds"
)

// Environment variables of the Redis servers (scripts/testenv.sh env prints
// them) and the addresses used when they are unset.
const (
	EnvRedis        = "NEWSFLOW_TEST_REDIS"
	EnvRedisCluster = "NEWSFLOW_TEST_REDIS_CLUSTER"
	EnvRedisTLS     = "NEWSFLOW_TEST_REDIS_TLS"
	EnvRedisTLSDir  = "NEWSFLOW_TEST_REDIS_TLS_DIR"

	DefaultRedis        = "127.0.0.1:16379"
	DefaultRedisCluster = "127.0.0.1:16380,127.0.0.1:16381,127.0.0.1:16382"
	DefaultRedisTLS     = "127.0.0.1:16390"
	DefaultRedisTLSDir  = "/tmp/newsflow-testenv/redis/tls-certs"
)

// Redis returns the address (host:port) of the standalone test Redis
// server, or skips t (fails it under CI=true) when none answers PING there.
func Redis(t testing.TB) string {
	t.Helper()
	return server(t, "Redis", EnvRedis, DefaultRedis, func(ctx context.Context, addr string) error {
		c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2, DisableIdentity: true, MaxRetries: -1})
		defer c.Close()
		return c.Ping(ctx).Err()
	})
}

// RedisCluster returns the addresses of the test Redis Cluster's masters,
// or skips t (fails it under CI=true) when the first does not report
// cluster_state:ok.
func RedisCluster(t testing.TB) []string {
	t.Helper()
	list := server(t, "Redis Cluster", EnvRedisCluster, DefaultRedisCluster, func(ctx context.Context, list string) error {
		addr, _, _ := strings.Cut(list, ",")
		c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2, DisableIdentity: true, MaxRetries: -1})
		defer c.Close()
		info, err := c.ClusterInfo(ctx).Result()
		if err != nil {
			return fmt.Errorf("cluster info: %w", err)
		}
		if !strings.Contains(info, "cluster_state:ok") {
			return errors.New("cluster_state is not ok")
		}
		return nil
	})
	return strings.Split(list, ",")
}

// RedisTLSServer is the TLS test server: TLS only, client certificates
// required, an ACL user with a password.
type RedisTLSServer struct {
	Addr                      string
	CAFile, CertFile, KeyFile string
	Username, Password        string
	// PasswordFile holds Password.
	PasswordFile string
}

// RedisTLS returns the TLS test server, or skips t (fails it under
// CI=true) when it does not answer PING over TLS as its user.
func RedisTLS(t testing.TB) RedisTLSServer {
	t.Helper()
	dir := os.Getenv(EnvRedisTLSDir)
	if dir == "" {
		dir = DefaultRedisTLSDir
	}
	srv := RedisTLSServer{
		CAFile: filepath.Join(dir, "ca.crt"), CertFile: filepath.Join(dir, "client.crt"), KeyFile: filepath.Join(dir, "client.key"),
		PasswordFile: filepath.Join(dir, "password"),
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return ""
		}
		return strings.TrimSpace(string(b))
	}
	srv.Username, srv.Password = read("username"), read("password")
	srv.Addr = server(t, "Redis TLS", EnvRedisTLS, DefaultRedisTLS, func(ctx context.Context, addr string) error {
		if srv.Password == "" {
			return fmt.Errorf("no password in %s (%s)", dir, EnvRedisTLSDir)
		}
		tc, err := redisTLSConfig(srv)
		if err != nil {
			return err
		}
		c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2, DisableIdentity: true, MaxRetries: -1,
			Username: srv.Username, Password: srv.Password, TLSConfig: tc})
		defer c.Close()
		return c.Ping(ctx).Err()
	})
	return srv
}

// NewRedisPrefix returns a key prefix unique to the test and this run
// ([a-z0-9-], no glob characters). It creates nothing; when the test ends
// every key starting with it is deleted from the servers at addrs (each
// master of a cluster, or the one server).
func NewRedisPrefix(t testing.TB, addrs ...string) string {
	t.Helper()
	prefix := UniqueName(t, "itest-")
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, a := range addrs {
			if err := deleteRedisKeys(ctx, &redis.Options{Addr: a, Protocol: 2, DisableIdentity: true}, prefix); err != nil {
				t.Logf("cleanup: delete keys %s* on %s: %v", prefix, a, err)
			}
		}
	})
	return prefix
}

// DeleteRedisKeys deletes the keys starting with prefix on the server of
// opts (with SCAN, so a node of a cluster deletes its own keys).
func deleteRedisKeys(ctx context.Context, opts *redis.Options, prefix string) error {
	c := redis.NewClient(opts)
	defer c.Close()
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, prefix+"*", 1000).Result()
		if err != nil {
			return err
		}
		if len(keys) > 0 {
			// One key per command: keys of one SCAN page may sit in
			// different slots of a cluster node.
			pipe := c.Pipeline()
			for _, k := range keys {
				pipe.Unlink(ctx, k)
			}
			if _, err := pipe.Exec(ctx); err != nil {
				return err
			}
		}
		if cursor = next; cursor == 0 {
			return nil
		}
	}
}

// RedisProcess is a redis-server of one test's own, for tests that stop,
// pause or restart the server. It persists to an append-only file in the
// test's temporary directory, so a restart keeps the data.
type RedisProcess struct {
	t    testing.TB
	bin  string
	dir  string
	port int
	cmd  *exec.Cmd
	done chan struct{}
}

// StartRedis starts a redis-server on a free port of 127.0.0.1, or skips t
// (fails it under CI=true) when there is no redis-server binary
// ($NEWSFLOW_REDIS_SERVER, else from PATH; scripts/deps.sh installs it).
// The server is killed when the test ends.
func StartRedis(t testing.TB) *RedisProcess {
	t.Helper()
	if testing.Short() {
		t.Skipf("integration test: skipped under -short")
	}
	bin := os.Getenv("NEWSFLOW_REDIS_SERVER")
	if bin == "" {
		bin = "redis-server"
	}
	path, err := exec.LookPath(bin)
	if err != nil {
		unavailable(t, fmt.Sprintf("no redis-server binary (%v): run scripts/deps.sh", err))
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	p := &RedisProcess{t: t, bin: path, dir: t.TempDir(), port: port}
	p.Start()
	t.Cleanup(func() {
		if p.cmd != nil {
			_ = p.cmd.Process.Signal(syscall.SIGCONT)
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// Addr is the server's host:port.
func (p *RedisProcess) Addr() string { return "127.0.0.1:" + strconv.Itoa(p.port) }

// Start starts the server (again) and waits until it answers PING.
func (p *RedisProcess) Start() {
	p.t.Helper()
	if p.cmd != nil {
		p.t.Fatal("redis-server already runs")
	}
	cmd := exec.Command(p.bin, "--port", strconv.Itoa(p.port), "--bind", "127.0.0.1", "--dir", p.dir,
		"--save", "", "--appendonly", "yes", "--appendfsync", "everysec", "--daemonize", "no",
		"--logfile", filepath.Join(p.dir, "redis.log"), "--maxmemory-policy", "noeviction")
	if err := cmd.Start(); err != nil {
		p.t.Fatalf("start redis-server: %v", err)
	}
	p.cmd, p.done = cmd, make(chan struct{})
	go func() { _ = cmd.Wait(); close(p.done) }()
	c := redis.NewClient(&redis.Options{Addr: p.Addr(), Protocol: 2, DisableIdentity: true, MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return
		}
		select {
		case <-p.done:
			log, _ := os.ReadFile(filepath.Join(p.dir, "redis.log"))
			p.cmd = nil
			p.t.Fatalf("redis-server exited during startup: %s", log)
		default:
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("redis-server on %s does not answer: %v", p.Addr(), err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop stops the server with SIGTERM (it writes its data and exits) and
// waits for it.
func (p *RedisProcess) Stop() {
	p.t.Helper()
	if p.cmd == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGCONT)
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	p.cmd = nil
}

// Pause freezes the server (SIGSTOP): connections stay open, requests get
// no answer, as on a stalled or partitioned node.
func (p *RedisProcess) Pause() { p.signal(syscall.SIGSTOP) }

// Resume lets a paused server go on (SIGCONT).
func (p *RedisProcess) Resume() { p.signal(syscall.SIGCONT) }

func (p *RedisProcess) signal(sig syscall.Signal) {
	p.t.Helper()
	if p.cmd == nil {
		p.t.Fatal("redis-server does not run")
	}
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("signal redis-server: %v", err)
	}
}

func redisTLSConfig(s RedisTLSServer) (*tls.Config, error) {
	return creds.TLSConfig(s.CAFile, s.CertFile, s.KeyFile, false)
}
