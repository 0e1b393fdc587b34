package standin

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"time"
)

// partialHeader is what Reset writes before resetting: a header cut inside a field name.
const partialHeader = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Len"

// resetPause lets the bytes written before a reset reach the client first.
const resetPause = 20 * time.Millisecond

// halfResponse is a whole response header announcing body, followed by half of body.
func halfResponse(body []byte) []byte {
	head := fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"+
		"Content-Length: %d\r\nCache-Control: no-store\r\n\r\n", len(body))
	return append([]byte(head), body[:len(body)/2]...)
}

// resetAfter takes the connection from net/http, writes partial on it, and resets it: the
// close sends a TCP RST rather than a FIN (for TLS, without a close_notify either).
func resetAfter(w http.ResponseWriter, partial []byte) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		abort()
	}
	buf.Write(partial)
	buf.Flush()

	time.Sleep(resetPause)
	raw := conn
	if t, ok := conn.(*tls.Conn); ok {
		raw = t.NetConn()
	}
	if tcp, ok := raw.(*net.TCPConn); ok {
		tcp.SetLinger(0)
	}
	raw.Close()
}

// hang holds a request until its client gives up or the server closes, then drops the
// connection without an answer.
func (s *Server) hang(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-s.stop:
	}
	abort()
}

// wait holds a request for d. It reports false when the client gave up or the server is
// closing first; the caller must then abort.
func (s *Server) wait(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	case <-s.stop:
		return false
	}
}

// trickle sends the header of a body at once, then the body a byte at a time, every apart.
func (s *Server) trickle(x *exchange, body []byte, every time.Duration) {
	setHeader(x.w, "application/json", int64(len(body)))
	x.w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(x.w)

	for i := range body {
		if rc.Flush() != nil || !s.wait(x.r, every) {
			abort()
		}
		if _, err := x.w.Write(body[i : i+1]); err != nil {
			abort()
		}
	}
}

// hugeHead and hugeTail frame HugeBody's access_token, so its body is JSON if read whole.
const (
	hugeHead = `{"token_type":"bearer","expires_in":3600,"access_token":"`
	hugeTail = `"}`
)

// stream writes HugeBody's reply of size bytes, 32 KiB at a time from one buffer.
func (s *Server) stream(x *exchange, size int64) {
	fill := max(size-int64(len(hugeHead)+len(hugeTail)), 0)
	total := fill + int64(len(hugeHead)+len(hugeTail))
	setHeader(x.w, "application/json", total)
	x.w.WriteHeader(http.StatusOK)
	s.write(x, []byte(hugeHead))

	chunk := bytes.Repeat([]byte{'A'}, 32<<10)
	for fill > 0 {
		n := min(fill, int64(len(chunk)))
		s.write(x, chunk[:n])
		fill -= n
	}
	s.write(x, []byte(hugeTail))
}

// write writes p to the client, aborting the request when the server is closing or the
// client has gone.
func (s *Server) write(x *exchange, p []byte) {
	select {
	case <-s.stop:
		abort()
	default:
	}
	if _, err := x.w.Write(p); err != nil {
		abort()
	}
}
