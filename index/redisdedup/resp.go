package redisdedup

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// respPool is the store's own pipelined RESP2 connection pool to one
// standalone server, for the two requests on a worker's hot path: the
// MGETs of Lookup and the SETs of Claim. go-redis (the Store's client)
// keeps everything else (Setup, Ping, INFO) and cluster mode, where it
// routes keys by slot and follows MOVED and ASK.
//
// Why not go-redis here too: on new text a claim sends six SETs of seven
// arguments a paragraph, and go-redis writes each argument through an
// interface switch and keeps a command object and a reply per key. In
// BenchmarkWorkerStagesOnRedis its command writing and reply reading were
// 12 % of the worker's CPU (issue 11). Here a request is one append of
// bytes into a buffer the connection keeps (the constant parts of a SET are
// written once a claim), one write, and a reply parser that reads nil and
// short bulk strings without allocating.
//
// What it keeps of go-redis's behaviour: AUTH (with an ACL user), SELECT
// and CLIENT SETNAME on each new connection; TLS; at most PoolSize
// connections; the dial, read and write timeouts; and MaxRetries retries,
// with the same backoff (8 ms doubling to 512 ms), of a request that
// failed on the network or with LOADING, TRYAGAIN or MASTERDOWN. A retried
// claim is safe: a key the lost attempt created answers with the caller's
// own record. A connection is put back only after a request has read all
// its replies; one that saw an I/O or protocol error is closed.
type respPool struct {
	addr       string
	dialer     net.Dialer
	tls        *tls.Config // nil: plain TCP
	handshake  [][]string  // commands run on each new connection
	readTO     time.Duration
	writeTO    time.Duration
	maxRetries int

	sem  chan struct{} // a token per connection in use or idle
	mu   sync.Mutex
	idle []*respConn
	shut bool
}

// respConn is one connection: its reader and the buffer requests are
// encoded in.
type respConn struct {
	nc  net.Conn
	br  *bufio.Reader
	buf []byte
}

// newRespPool returns the pool for the standalone server of opts (the
// client options Config.options made, so that both clients connect alike).
func newRespPool(opts *redis.UniversalOptions) *respPool {
	addr := opts.Addrs[0]
	var hs [][]string
	switch {
	case opts.Username != "":
		hs = append(hs, []string{"auth", opts.Username, opts.Password})
	case opts.Password != "":
		hs = append(hs, []string{"auth", opts.Password})
	}
	if opts.DB != 0 {
		hs = append(hs, []string{"select", strconv.Itoa(opts.DB)})
	}
	if opts.ClientName != "" {
		hs = append(hs, []string{"client", "setname", opts.ClientName})
	}
	tc := opts.TLSConfig
	if tc != nil && tc.ServerName == "" {
		tc = tc.Clone()
		if host, _, err := net.SplitHostPort(addr); err == nil {
			tc.ServerName = host
		}
	}
	return &respPool{
		addr: addr, dialer: net.Dialer{Timeout: opts.DialTimeout}, tls: tc, handshake: hs,
		readTO: opts.ReadTimeout, writeTO: opts.WriteTimeout, maxRetries: max(opts.MaxRetries, 0),
		sem: make(chan struct{}, opts.PoolSize),
	}
}

// errPoolClosed is returned by requests after Close.
var errPoolClosed = errors.New("connection pool closed")

// Close closes the idle connections; requests in flight close theirs when
// they end.
func (p *respPool) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.shut = true
	var err error
	for _, c := range p.idle {
		err = errors.Join(err, c.nc.Close())
	}
	p.idle = nil
	return err
}

// do runs one pipelined request: write appends its n commands to a
// buffer, read is called with the reader for each of the n replies in
// order (j = 0..n-1). read must only assign results by j, so that a retry
// on a new connection may call it again from j = 0. A server error reply
// reaches read as a *serverError from r.err; read decides whether it fails
// the request.
func (p *respPool) do(ctx context.Context, n int, write func([]byte) []byte, read func(j int, r *respReader) error) error {
	var err error
	for attempt := 0; ; attempt++ {
		err = p.once(ctx, n, write, read)
		if err == nil || attempt >= p.maxRetries || !retryNow(err) || ctx.Err() != nil {
			return err
		}
		t := time.NewTimer(retryBackoff(attempt))
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// retryBackoff is go-redis's default: 8 ms doubling, at most 512 ms.
func retryBackoff(attempt int) time.Duration {
	return min(8*time.Millisecond<<min(attempt, 6), 512*time.Millisecond)
}

// retryNow reports whether a request that failed with err is retried at
// once, as go-redis does: after an I/O error or while a server loads its
// data or fails over. (Retryable is the wider question for the caller's
// backoff.)
func retryNow(err error) bool {
	var se *serverError
	if errors.As(err, &se) {
		for _, p := range []string{"LOADING ", "TRYAGAIN ", "MASTERDOWN "} {
			if strings.HasPrefix(se.msg, p) {
				return true
			}
		}
		return false
	}
	var pe *protocolError
	return !errors.As(err, &pe) && !errors.Is(err, errPoolClosed) && !errors.Is(err, context.Canceled)
}

func (p *respPool) once(ctx context.Context, n int, write func([]byte) []byte, read func(j int, r *respReader) error) error {
	c, err := p.get(ctx)
	if err != nil {
		return err
	}
	ok := false
	// A cancelled context ends a blocked write or read at once (and the
	// connection, whose deadline it moved).
	stop := context.AfterFunc(ctx, func() { _ = c.nc.SetDeadline(time.Unix(1, 0)) })
	defer func() { p.release(c, stop() && ok) }()

	c.buf = write(c.buf[:0])
	if err := c.nc.SetWriteDeadline(deadline(ctx, p.writeTO)); err != nil {
		return err
	}
	if _, err := c.nc.Write(c.buf); err != nil {
		return ctxErr(ctx, err)
	}
	if cap(c.buf) > maxConnBuffer {
		c.buf = nil
	}
	if err := c.nc.SetReadDeadline(deadline(ctx, p.readTO)); err != nil {
		return err
	}
	r := respReader{br: c.br}
	var first error // the first error of read: the replies are still read
	for j := range n {
		if err := read(j, &r); err != nil && first == nil {
			first = err
		}
		if r.ioErr != nil {
			return ctxErr(ctx, r.ioErr)
		}
	}
	ok = true
	return first
}

// maxConnBuffer is the largest request buffer a connection keeps.
const maxConnBuffer = 4 << 20

// deadline is now+timeout, or the context's deadline when sooner (no
// timeout: the context's, else none).
func deadline(ctx context.Context, timeout time.Duration) time.Time {
	d, ok := ctx.Deadline()
	if timeout > 0 {
		if t := time.Now().Add(timeout); !ok || t.Before(d) {
			return t
		}
	}
	if !ok {
		return time.Time{}
	}
	return d
}

// ctxErr prefers the context's error to the I/O error it caused.
func ctxErr(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("%w (%v)", cerr, err)
	}
	return err
}

// get returns an idle connection or dials one, waiting while PoolSize
// connections are in use.
func (p *respPool) get(ctx context.Context) (*respConn, error) {
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	p.mu.Lock()
	if p.shut {
		p.mu.Unlock()
		<-p.sem
		return nil, errPoolClosed
	}
	if k := len(p.idle); k > 0 {
		c := p.idle[k-1]
		p.idle = p.idle[:k-1]
		p.mu.Unlock()
		return c, nil
	}
	p.mu.Unlock()
	c, err := p.dial(ctx)
	if err != nil {
		<-p.sem
		return nil, err
	}
	return c, nil
}

// release puts c back when its last request read all its replies, else
// closes it.
func (p *respPool) release(c *respConn, ok bool) {
	p.mu.Lock()
	if ok && !p.shut {
		_ = c.nc.SetDeadline(time.Time{})
		p.idle = append(p.idle, c)
		c = nil
	}
	p.mu.Unlock()
	if c != nil {
		_ = c.nc.Close()
	}
	<-p.sem
}

// dial connects and runs the handshake (AUTH, SELECT, CLIENT SETNAME).
func (p *respPool) dial(ctx context.Context) (*respConn, error) {
	nc, err := p.dialer.DialContext(ctx, "tcp", p.addr)
	if err != nil {
		return nil, err
	}
	if p.tls != nil {
		tc := tls.Client(nc, p.tls)
		hctx, cancel := context.WithTimeout(ctx, p.dialer.Timeout)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			_ = nc.Close()
			return nil, fmt.Errorf("TLS handshake with %s: %w", p.addr, err)
		}
		nc = tc
	}
	c := &respConn{nc: nc, br: bufio.NewReaderSize(nc, 32<<10)}
	if err := p.hello(ctx, c); err != nil {
		_ = nc.Close()
		return nil, err
	}
	return c, nil
}

func (p *respPool) hello(ctx context.Context, c *respConn) error {
	c.buf = c.buf[:0]
	for _, cmd := range p.handshake {
		c.buf = appendArray(c.buf, len(cmd))
		for _, a := range cmd {
			c.buf = appendBulkString(c.buf, a)
		}
	}
	_ = c.nc.SetDeadline(deadline(ctx, p.dialer.Timeout))
	if _, err := c.nc.Write(c.buf); err != nil {
		return err
	}
	r := respReader{br: c.br}
	for _, cmd := range p.handshake {
		_, err := r.simple()
		if r.ioErr != nil {
			return r.ioErr
		}
		if err != nil {
			return fmt.Errorf("%s: %w", strings.ToUpper(cmd[0]), err)
		}
	}
	return nil
}

// appendArray appends the header of an array of n elements.
func appendArray(b []byte, n int) []byte {
	b = append(b, '*')
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, '\r', '\n')
}

// appendBulk appends v as a bulk string.
func appendBulk(b, v []byte) []byte {
	b = append(b, '$')
	b = strconv.AppendInt(b, int64(len(v)), 10)
	b = append(b, '\r', '\n')
	b = append(b, v...)
	return append(b, '\r', '\n')
}

// appendBulkString appends v as a bulk string.
func appendBulkString(b []byte, v string) []byte {
	b = append(b, '$')
	b = strconv.AppendInt(b, int64(len(v)), 10)
	b = append(b, '\r', '\n')
	b = append(b, v...)
	return append(b, '\r', '\n')
}

// serverError is an error reply ("-ERR ...").
type serverError struct{ msg string }

func (e *serverError) Error() string { return e.msg }

// RedisError makes it a redis.Error, as go-redis's error replies are, for
// Retryable.
func (e *serverError) RedisError() {}

// protocolError is a reply this client cannot parse: the connection is
// out of step and is closed.
type protocolError struct{ msg string }

func (e *protocolError) Error() string { return "redis protocol: " + e.msg }

// respReader reads RESP2 replies. An I/O or protocol error is kept in
// ioErr (every later read returns at once); a server error reply is
// returned to the caller of the read, and the reader stays in step.
type respReader struct {
	br    *bufio.Reader
	ioErr error
}

// line returns the next reply line without its type byte and CRLF. The
// slice is valid until the next read.
func (r *respReader) line() (byte, []byte) {
	if r.ioErr != nil {
		return 0, nil
	}
	l, err := r.br.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			err = &protocolError{"reply line longer than the read buffer"}
		} else if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		r.ioErr = err
		return 0, nil
	}
	if len(l) < 3 || l[len(l)-2] != '\r' {
		r.ioErr = &protocolError{fmt.Sprintf("bad reply line %q", l)}
		return 0, nil
	}
	return l[0], l[1 : len(l)-2]
}

func (r *respReader) fail(format string, args ...any) {
	if r.ioErr == nil {
		r.ioErr = &protocolError{fmt.Sprintf(format, args...)}
	}
}

// number parses a length or integer line.
func (r *respReader) number(l []byte) int {
	n, err := strconv.Atoi(string(l))
	if err != nil {
		r.fail("bad number %q", l)
		return 0
	}
	return n
}

// simple reads a simple-string or integer reply ("+OK", ":1").
func (r *respReader) simple() (string, error) {
	t, l := r.line()
	switch t {
	case 0:
		return "", r.ioErr
	case '+', ':':
		return string(l), nil
	case '-':
		return "", &serverError{string(l)}
	}
	r.fail("want a simple reply, got %q", t)
	return "", r.ioErr
}

// bulk reads a bulk-string reply: ok false for nil. A bulk that starts an
// array (the elements of MGET) is read by bulkAfter.
func (r *respReader) bulk() (v string, ok bool, err error) {
	t, l := r.line()
	switch t {
	case 0:
		return "", false, r.ioErr
	case '-':
		return "", false, &serverError{string(l)}
	case '$':
		return r.bulkBody(r.number(l))
	case '_': // RESP3 null
		return "", false, nil
	}
	r.fail("want a bulk string, got %q", t)
	return "", false, r.ioErr
}

// bulkBody reads the n bytes of a bulk string (n < 0: nil) and its CRLF.
func (r *respReader) bulkBody(n int) (string, bool, error) {
	if r.ioErr != nil || n < 0 {
		return "", false, r.ioErr
	}
	if n+2 <= r.br.Size() {
		b, err := r.br.Peek(n + 2)
		if err != nil {
			r.ioErr = err
			return "", false, err
		}
		if b[n] != '\r' || b[n+1] != '\n' {
			r.fail("bulk string of %d bytes not ended by CRLF", n)
			return "", false, r.ioErr
		}
		v := string(b[:n])
		_, _ = r.br.Discard(n + 2)
		return v, true, nil
	}
	b := make([]byte, n+2)
	if _, err := io.ReadFull(r.br, b); err != nil {
		r.ioErr = err
		return "", false, err
	}
	if b[n] != '\r' || b[n+1] != '\n' {
		r.fail("bulk string of %d bytes not ended by CRLF", n)
		return "", false, r.ioErr
	}
	return string(b[:n]), true, nil
}

// array reads an array header: the number of elements (-1 for nil).
func (r *respReader) array() (int, error) {
	t, l := r.line()
	switch t {
	case 0:
		return 0, r.ioErr
	case '-':
		return 0, &serverError{string(l)}
	case '*':
		return r.number(l), r.ioErr
	}
	r.fail("want an array, got %q", t)
	return 0, r.ioErr
}
