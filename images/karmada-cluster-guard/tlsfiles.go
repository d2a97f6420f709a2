package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sync"
	"time"
)

// keyPair is a certificate and key on disk, re-read when either file changes (cert-manager renews them in place).
type keyPair struct {
	certFile, keyFile string
	mu                sync.Mutex
	stamp             string
	loaded            *tls.Certificate
}

func (k *keyPair) get() (*tls.Certificate, error) {
	stamp, err := stampOf(k.certFile, k.keyFile)
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.loaded == nil || stamp != k.stamp {
		pair, err := tls.LoadX509KeyPair(k.certFile, k.keyFile)
		if err != nil {
			return nil, err
		}
		k.loaded, k.stamp = &pair, stamp
	}
	return k.loaded, nil
}

// caPool is a CA bundle on disk, re-read when it changes.
type caPool struct {
	file  string
	mu    sync.Mutex
	stamp string
	pool  *x509.CertPool
}

func (c *caPool) get() (*x509.CertPool, error) {
	stamp, err := stampOf(c.file)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pool == nil || stamp != c.stamp {
		pem, err := os.ReadFile(c.file)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s holds no PEM certificate", c.file)
		}
		c.pool, c.stamp = pool, stamp
	}
	return c.pool, nil
}

// stampOf identifies the files' current contents by size and modification time (a Secret volume swaps its files).
func stampOf(files ...string) (string, error) {
	stamp := ""
	for _, file := range files {
		info, err := os.Stat(file)
		if err != nil {
			return "", err
		}
		stamp += fmt.Sprintf("%s:%d:%d;", file, info.Size(), info.ModTime().UnixNano())
	}
	return stamp, nil
}

// verifyChain checks a peer's chain (as crypto/tls parsed it, leaf first) against the pool's current CAs for one
// extended key usage.
func verifyChain(certs []*x509.Certificate, roots *x509.CertPool, usage x509.ExtKeyUsage, dnsName string) (*x509.Certificate, error) {
	if len(certs) == 0 {
		return nil, errors.New("no certificate")
	}
	intermediates := x509.NewCertPool()
	for _, cert := range certs[1:] {
		intermediates.AddCert(cert)
	}
	_, err := certs[0].Verify(x509.VerifyOptions{
		Roots: roots, Intermediates: intermediates, KeyUsages: []x509.ExtKeyUsage{usage}, DNSName: dnsName,
	})
	return certs[0], err
}

// upstreamTransport dials the aggregated API server with the guard's client certificate, verifying the server against
// the current upstream CA for serverName.
func upstreamTransport(serverName string, roots *caPool, client *keyPair) *http.Transport {
	transport := &http.Transport{
		Proxy:               nil,
		ForceAttemptHTTP2:   true,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second,
		TLSClientConfig: &tls.Config{
			MinVersion: tls.VersionTLS12,
			// The chain is verified below against the CA file as it is now, not as it was at start.
			InsecureSkipVerify: true, //nolint:gosec
			VerifyConnection: func(state tls.ConnectionState) error {
				pool, err := roots.get()
				if err != nil {
					return err
				}
				_, err = verifyChain(state.PeerCertificates, pool, x509.ExtKeyUsageServerAuth, serverName)
				return err
			},
			GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return client.get() },
		},
	}
	return transport
}
