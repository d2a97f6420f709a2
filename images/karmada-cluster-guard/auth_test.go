package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

type authority struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newAuthority(t *testing.T, name string) authority {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	template := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return authority{cert, key}
}

func (a authority) issue(t *testing.T, commonName string, usage x509.ExtKeyUsage) *x509.Certificate {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	template := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: commonName},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage}}
	der, err := x509.CreateCertificate(rand.Reader, template, a.cert, &key.PublicKey, a.key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return cert
}

func TestOnlyTheAggregatorsCertificateIsAccepted(t *testing.T) {
	frontProxy, other := newAuthority(t, "karmada-front-proxy-ca"), newAuthority(t, "karmada-client-ca")
	caFile := filepath.Join(t.TempDir(), "ca.crt")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: frontProxy.cert.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	g := &guard{callers: &caPool{file: caFile}, allowedNames: []string{"front-proxy-client"}}
	for _, c := range []struct {
		name string
		cert *x509.Certificate
		ok   bool
	}{
		{"the aggregator", frontProxy.issue(t, "front-proxy-client", x509.ExtKeyUsageClientAuth), true},
		{"another name of the front-proxy CA", frontProxy.issue(t, "karmada-cluster-guard", x509.ExtKeyUsageClientAuth), false},
		{"the right name from another CA", other.issue(t, "front-proxy-client", x509.ExtKeyUsageClientAuth), false},
		{"a serving certificate", frontProxy.issue(t, "front-proxy-client", x509.ExtKeyUsageServerAuth), false},
		{"no certificate", nil, false},
	} {
		request := httptest.NewRequest("GET", clusters, nil)
		request.TLS = &tls.ConnectionState{}
		if c.cert != nil {
			request.TLS.PeerCertificates = []*x509.Certificate{c.cert}
		}
		if err := g.authenticate(request); (err == nil) != c.ok {
			t.Errorf("%s: accepted %v (%v)", c.name, err == nil, err)
		}
	}
}
