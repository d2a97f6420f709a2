// Command sts_check runs aws-iam-authenticator's own token code against the local STS (local_control_plane/sts.py).
//
//	sts_check generate <cluster id> <region>          a token from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
//	                                                 AWS_SESSION_TOKEN, made by the authenticator's generator
//	sts_check verify <cluster id> <region> <address>  the identity of the token read on stdin, as the
//	                                                 authenticator's verifier resolves it
//
// The verifier calls https://sts.<region>.amazonaws.com/ as in the Karmada API's webhook; here every connection
// goes to <address> (host:port of the local STS), with the name kept for TLS (trusted CA from SSL_CERT_FILE).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"sigs.k8s.io/aws-iam-authenticator/pkg/token"
)

func main() {
	if len(os.Args) < 4 {
		fail("usage: sts_check generate <cluster id> <region> | verify <cluster id> <region> <address>")
	}
	mode, clusterID, region := os.Args[1], os.Args[2], os.Args[3]
	switch {
	case mode == "generate":
		generate(clusterID, region)
	case mode == "verify" && len(os.Args) == 5:
		verify(clusterID, region, os.Args[4])
	default:
		fail("unknown mode " + mode)
	}
}

func generate(clusterID, region string) {
	client := sts.NewFromConfig(aws.Config{
		Region: region,
		Credentials: credentials.NewStaticCredentialsProvider(
			os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("AWS_SESSION_TOKEN")),
	})
	generator, err := token.NewGenerator(false, false)
	if err != nil {
		fail(err.Error())
	}
	made, err := generator.GetWithSTS(clusterID, client)
	if err != nil {
		fail(err.Error())
	}
	fmt.Println(made.Token)
}

func verify(clusterID, region, address string) {
	// The verifier's HTTP client has no transport of its own: it uses this one.
	http.DefaultTransport = &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, address)
		},
	}
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && line == "" {
		fail("no token on stdin")
	}
	identity, err := token.NewVerifier(clusterID, "aws", region).Verify(strings.TrimSpace(line))
	if err != nil {
		out, _ := json.Marshal(map[string]string{"error": err.Error()})
		fmt.Println(string(out))
		return
	}
	out, _ := json.Marshal(identity)
	fmt.Println(string(out))
}

func fail(message string) {
	fmt.Fprintln(os.Stderr, "sts_check: "+message)
	os.Exit(2)
}
