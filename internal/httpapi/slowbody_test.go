package httpapi

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// TestPublicBodyTimeout: a client that announces a body on a public route
// and then stalls is answered and cut off after PublicBodyTimeout, instead
// of holding the connection (the test server has no ReadTimeout of its
// own, so without the deadline the request would wait for ever).
func TestPublicBodyTimeout(t *testing.T) {
	db := storetest.Open(t, store.SQLite, nil)
	e := newEnv(t, db, storetest.NewClock(storetest.Start()), func(c *Config) { c.PublicBodyTimeout = 300 * time.Millisecond })
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.ts.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	fmt.Fprintf(conn, "POST /api/v1/public/channels/%d/topics HTTP/1.1\r\nHost: gallra.test\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"title\":", e.ids["forum"])
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	took := time.Since(start)
	if err == nil {
		res.Body.Close()
	}
	if took > 3*time.Second {
		t.Fatalf("a stalled public body held the connection for %v (response %v)", took, err)
	}
	if err == nil && res.StatusCode < 400 {
		t.Errorf("stalled body answered %d", res.StatusCode)
	}
}
