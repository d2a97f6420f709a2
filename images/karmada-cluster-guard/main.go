// Command karmada-cluster-guard sits between karmada-apiserver's aggregator and karmada-aggregated-apiserver, which
// serves cluster.karmada.io and runs no admission plugin: no ValidatingAdmissionPolicy or webhook of the Karmada API
// ever sees a Cluster. The guard is that admission for Clusters.
//
// Every write of a Cluster (create, update, patch, and the same on its status subresource) is first sent upstream as
// a dry run with the caller's identity; the object that would be stored is checked (policy.go) and the request goes
// on only if it passes. Everything else (reads, watches, the cluster proxy) is passed through unchanged.
//
// Only the aggregator may call it: the caller's client certificate must chain to the request-header CA and carry an
// allowed name, as karmada-aggregated-apiserver itself demands. Upstream, the guard presents its own front-proxy client
// certificate and forwards the aggregator's X-Remote-* identity headers, so authorisation is unchanged.
package main

import (
	"crypto/tls"
	"flag"
	"log"
	"net/http"
	"net/url"
	"strings"
	"time"
)

func main() {
	listen := flag.String("listen", ":8443", "address to serve HTTPS on")
	servingCert := flag.String("tls-cert-file", "", "serving certificate (PEM), re-read when it changes")
	servingKey := flag.String("tls-private-key-file", "", "serving key (PEM)")
	requestHeaderCA := flag.String("requestheader-client-ca-file", "", "CA a caller's client certificate must chain to")
	allowedNames := flag.String("requestheader-allowed-names", "", "comma-separated common names a caller may have")
	upstream := flag.String("upstream", "", "karmada-aggregated-apiserver's URL, e.g. https://<service>.<namespace>.svc")
	upstreamCA := flag.String("upstream-ca-file", "", "CA of the upstream's serving certificate")
	proxyCert := flag.String("proxy-client-cert-file", "", "the guard's front-proxy client certificate (PEM)")
	proxyKey := flag.String("proxy-client-key-file", "", "its key (PEM)")
	secretNamespace := flag.String("cluster-secret-namespace", "karmada-cluster",
		"the namespace of every Cluster's Secret (spec.secretRef)")
	flag.Parse()

	for name, value := range map[string]string{
		"tls-cert-file": *servingCert, "tls-private-key-file": *servingKey,
		"requestheader-client-ca-file": *requestHeaderCA, "requestheader-allowed-names": *allowedNames,
		"upstream": *upstream, "upstream-ca-file": *upstreamCA,
		"proxy-client-cert-file": *proxyCert, "proxy-client-key-file": *proxyKey,
	} {
		if value == "" {
			log.Fatalf("--%s is required", name)
		}
	}
	target, err := url.Parse(*upstream)
	if err != nil || target.Scheme != "https" || target.Host == "" {
		log.Fatalf("--upstream=%q: give https://<host>[:port]", *upstream)
	}

	serving := &keyPair{certFile: *servingCert, keyFile: *servingKey}
	callers := &caPool{file: *requestHeaderCA}
	g := &guard{
		upstream:        target,
		transport:       upstreamTransport(target.Hostname(), &caPool{file: *upstreamCA}, &keyPair{certFile: *proxyCert, keyFile: *proxyKey}),
		callers:         callers,
		allowedNames:    strings.Split(*allowedNames, ","),
		secretNamespace: *secretNamespace,
	}
	g.forward = g.newForwarder()
	server := &http.Server{
		Addr:              *listen,
		Handler:           g,
		ReadHeaderTimeout: 30 * time.Second,
		TLSConfig: &tls.Config{
			MinVersion: tls.VersionTLS12,
			// Verified in the handler against the current CA file: the probes' path needs no certificate.
			ClientAuth:     tls.RequestClientCert,
			GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return serving.get() },
		},
	}
	log.Printf("karmada-cluster-guard: serving %s, upstream %s", *listen, target)
	log.Fatal(server.ListenAndServeTLS("", ""))
}
