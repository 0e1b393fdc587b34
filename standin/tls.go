package standin

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"time"
)

// certLifetime bounds how long the self-signed certificate is good for; its key lives only in
// the server's memory.
const certLifetime = 30 * 24 * time.Hour

// wrapTLS serves ln over TLS with a fresh self-signed certificate for 127.0.0.1, publishes it
// in CertPEM and makes Client trust it.
func (s *Server) wrapTLS(ln net.Listener) (net.Listener, error) {
	cert, err := selfSigned(time.Now())
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("make a certificate for 127.0.0.1: %w", err)
	}
	s.CertPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]})

	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(s.CertPEM)
	s.client.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}

	// No NextProtos: the server speaks HTTP/1.1 only, so Reset and Hang can take the connection.
	config := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	return tls.NewListener(ln, config), nil
}

// selfSigned makes an ECDSA P-256 certificate for 127.0.0.1, ::1 and localhost that is its
// own CA, so a client can trust exactly this server.
func selfSigned(now time.Time) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return tls.Certificate{}, err
	}

	template := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "c3cred stand-in"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(certLifetime),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
