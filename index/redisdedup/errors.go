package redisdedup

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"strings"

	"github.com/redis/go-redis/v9"
)

// ErrBadRecord wraps a value under the store's prefix that this version
// cannot read (another format, or not written by newsflow): an operator
// must look, retrying does not help.
var ErrBadRecord = errors.New("unreadable dedup record")

// ErrServerVersion is returned by Setup for a server older than
// MinServerVersion.
var ErrServerVersion = errors.New("server too old")

// Retryable reports whether an error of the Store may go away by itself,
// so that retrying the same call later can succeed: the server or a node
// unreachable, timeouts, a full connection pool, a node LOADING its data,
// a cluster failing over or resharding (CLUSTERDOWN, TRYAGAIN, MOVED, ASK,
// READONLY, MASTERDOWN), BUSY scripts, OOM (maxmemory reached: keys expire
// or the operator adds memory), too many clients.
//
// Not retryable: a cancelled context; authentication and permission
// (WRONGPASS, NOAUTH, NOPERM), certificate verification, a command the
// server refuses (ERR syntax, unknown command: a server older than 7.0),
// WRONGTYPE (another program's key under the prefix), and ErrBadRecord.
// Those need an operator; a caller that retries everything (the consumer
// does) keeps failing on them, visibly.
func Retryable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, ErrBadRecord) || errors.Is(err, ErrServerVersion) {
		return false
	}
	var uae x509.UnknownAuthorityError
	var cve *tls.CertificateVerificationError
	var hne x509.HostnameError
	var cie x509.CertificateInvalidError
	if errors.As(err, &uae) || errors.As(err, &cve) || errors.As(err, &hne) || errors.As(err, &cie) {
		return false
	}
	var re redis.Error
	if errors.As(err, &re) && !errors.Is(err, redis.Nil) {
		msg := re.Error()
		for _, p := range []string{"WRONGPASS", "NOAUTH", "NOPERM", "WRONGTYPE", "ERR syntax", "ERR unknown command", "ERR wrong number of arguments", "ERR AUTH", "ERR invalid password", "ERR Client sent AUTH"} {
			if strings.HasPrefix(msg, p) {
				return false
			}
		}
	}
	return true
}
