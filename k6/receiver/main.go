// Command receiver holds the big room's receiving members for k6/bench.py: one goroutine per
// WebSocket, a few microseconds of CPU per frame where a k6 VU spends ~74 µs, so on the shared
// cores the delivery p99 measures the server and not the load generator.
//
// Each socket signs in with its seeded token exactly as k6/scripts/realtime.js does (first frame
// `auth`), reads `ready`, then resumes from the `last_seq` that `ready` reported, so every event of
// its chat after that point must arrive exactly once and in order. Every `message.created` is
// checked (none lost, none twice, order per chat) and, when the message was sent inside the
// measured window (the `bench|<epoch ms>|...` text realtime.js writes), counted and timed. The
// run's figures go to -out as JSON in the shape of a k6 summary's trend and counters.
//
// Standard library only (a minimal RFC 6455 client: no extensions, client frames masked), so the
// bench builds it without the network.
package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const version = "2"

type seedFile struct {
	Users []struct {
		Token string `json:"token"`
		Chat  int    `json:"chat"`
	} `json:"users"`
	Chats []struct {
		ID string `json:"id"`
	} `json:"chats"`
}

type timeline struct {
	windowStart, windowEnd, closeAt int64 // epoch ms
}

// Counters shared by every socket of the process (atomics: a few adds per frame).
type totals struct {
	ready, closedEarly, wsErrors, frames, delivered, duplicates, outOfOrder, lost atomic.Int64
	lat                                                                           *histogram
}

// histogram of delivery latency in whole milliseconds up to a minute, one counter per ms.
type histogram struct {
	buckets [60001]atomic.Uint32
	sum     atomic.Int64
}

func (h *histogram) add(ms int64) {
	if ms < 0 {
		ms = 0
	}
	h.sum.Add(ms)
	if ms > 60000 {
		ms = 60000
	}
	h.buckets[ms].Add(1)
}

// trend returns the histogram in the keys of a k6 summary trend (ms).
func (h *histogram) trend() map[string]float64 {
	var n uint64
	counts := make([]uint64, len(h.buckets))
	for i := range h.buckets {
		counts[i] = uint64(h.buckets[i].Load())
		n += counts[i]
	}
	out := map[string]float64{"count": float64(n)}
	if n == 0 {
		return out
	}
	quantile := func(q float64) float64 {
		rank := uint64(q*float64(n-1)) + 1
		var seen uint64
		for i, c := range counts {
			seen += c
			if seen >= rank {
				return float64(i)
			}
		}
		return float64(len(counts) - 1)
	}
	out["avg"] = float64(h.sum.Load()) / float64(n)
	out["min"] = quantile(0)
	out["med"] = quantile(0.5)
	out["p(50)"] = out["med"]
	out["p(90)"] = quantile(0.9)
	out["p(99)"] = quantile(0.99)
	out["max"] = quantile(1)
	return out
}

type chatState struct {
	last  int64              // highest seq seen (or resumed from)
	holes map[int64]struct{} // seqs skipped on the way: empty while the server keeps its promise
}

// conn is one member's socket: a buffered reader over the TCP connection and its checks.
type conn struct {
	c        net.Conn
	wmu      sync.Mutex  // the reader's pongs and the closing handshake write from two goroutines
	stopping atomic.Bool // this side began the closing handshake: the server's close is the end
	r        *bufio.Reader
	buf      []byte
	chats    map[string]*chatState
	own      string
	tl       timeline
	t        *totals
	ready    bool
}

var (
	createdPrefix = []byte(`{"type":"message.created","chat_id":"`)
	seqKey        = []byte(`,"seq":`)
	benchText     = []byte(`"text":"bench|`)
	readyPrefix   = []byte(`{"type":"ready"`)
	resumedPrefix = []byte(`{"type":"resumed"`)
	errorPrefix   = []byte(`{"type":"error"`)
	wsGUID        = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
)

// dialing bounds the handshakes in flight: 2,000 connects at once overflow the server's listen
// backlog (Sanic's is 100), and a connection the kernel dropped from it stalls its client for
// longer than the connect phase (185 of 1,990 timed out at 60 s in one run on busy cores).
var dialing = make(chan struct{}, 50)

func dial(u *url.URL) (net.Conn, *bufio.Reader, error) {
	c, err := net.DialTimeout("tcp", u.Host, 30*time.Second)
	if err != nil {
		return nil, nil, err
	}
	raw := make([]byte, 16)
	_, _ = rand.Read(raw)
	key := base64.StdEncoding.EncodeToString(raw)
	req := "GET " + u.Path + " HTTP/1.1\r\nHost: " + u.Host +
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key +
		"\r\nSec-WebSocket-Version: 13\r\n\r\n"
	_ = c.SetDeadline(time.Now().Add(60 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		c.Close()
		return nil, nil, err
	}
	r := bufio.NewReaderSize(c, 4096)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	sum := sha1.Sum([]byte(key + wsGUID))
	if resp.StatusCode != http.StatusSwitchingProtocols ||
		resp.Header.Get("Sec-WebSocket-Accept") != base64.StdEncoding.EncodeToString(sum[:]) {
		c.Close()
		return nil, nil, fmt.Errorf("handshake: %s", resp.Status)
	}
	_ = c.SetDeadline(time.Time{})
	return c, r, nil
}

// write sends one masked frame (RFC 6455 5.3: every client frame is masked).
func (s *conn) write(opcode byte, payload []byte) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	head := make([]byte, 0, 14+len(payload))
	head = append(head, 0x80|opcode)
	switch n := len(payload); {
	case n < 126:
		head = append(head, 0x80|byte(n))
	case n < 1<<16:
		head = append(head, 0x80|126, byte(n>>8), byte(n))
	default:
		head = append(head, 0x80|127)
		head = binary.BigEndian.AppendUint64(head, uint64(n))
	}
	var mask [4]byte
	_, _ = rand.Read(mask[:])
	head = append(head, mask[:]...)
	for i, b := range payload {
		head = append(head, b^mask[i&3])
	}
	_, err := s.c.Write(head)
	return err
}

// next reads one whole message (continuations joined); control frames are answered in place.
func (s *conn) next() (byte, []byte, error) {
	s.buf = s.buf[:0]
	var opcode byte
	for {
		var h [2]byte
		if _, err := io.ReadFull(s.r, h[:]); err != nil {
			return 0, nil, err
		}
		fin, op, n := h[0]&0x80 != 0, h[0]&0x0f, int64(h[1]&0x7f)
		if h[1]&0x80 != 0 {
			return 0, nil, errors.New("masked server frame")
		}
		switch n {
		case 126:
			var e [2]byte
			if _, err := io.ReadFull(s.r, e[:]); err != nil {
				return 0, nil, err
			}
			n = int64(binary.BigEndian.Uint16(e[:]))
		case 127:
			var e [8]byte
			if _, err := io.ReadFull(s.r, e[:]); err != nil {
				return 0, nil, err
			}
			n = int64(binary.BigEndian.Uint64(e[:]))
		}
		if op >= 8 { // control frame: never fragmented, at most 125 bytes
			p := make([]byte, n)
			if _, err := io.ReadFull(s.r, p); err != nil {
				return 0, nil, err
			}
			switch op {
			case 9:
				if err := s.write(10, p); err != nil {
					return 0, nil, err
				}
			case 8:
				_ = s.write(8, p)
				return 8, p, io.EOF
			}
			continue
		}
		if op != 0 {
			opcode = op
		}
		at := len(s.buf)
		s.buf = append(s.buf, make([]byte, n)...)
		if _, err := io.ReadFull(s.r, s.buf[at:]); err != nil {
			return 0, nil, err
		}
		if fin {
			return opcode, s.buf, nil
		}
	}
}

// number reads the decimal integer at the start of b.
func number(b []byte) (int64, bool) {
	var v int64
	i := 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		v = v*10 + int64(b[i]-'0')
	}
	return v, i > 0
}

// created reads a `message.created` frame as the server writes it, without a JSON decode.
func (s *conn) created(d []byte) bool {
	rest := d[len(createdPrefix):]
	q := bytes.IndexByte(rest, '"')
	if q < 0 || !bytes.HasPrefix(rest[q+1:], seqKey) {
		return false
	}
	chat := rest[:q]
	seq, ok := number(rest[q+1+len(seqKey):])
	if !ok {
		return false
	}
	b := bytes.Index(rest, benchText)
	var sent int64 = -1
	if b >= 0 {
		sent, _ = number(rest[b+len(benchText):])
	}
	s.message(chat, seq, sent)
	return true
}

// message checks one chat event's seq (order, repeat, hole) and counts and times it when it
// was sent inside the window.
func (s *conn) message(chat []byte, seq, sent int64) {
	st := s.chats[string(chat)]
	if st == nil { // a chat `ready` did not list: checked from its first event on
		st = &chatState{last: seq - 1}
		s.chats[string(chat)] = st
	}
	switch {
	case seq == st.last+1:
		st.last = seq
	case seq > st.last:
		if st.holes == nil {
			st.holes = map[int64]struct{}{}
		}
		for h := st.last + 1; h < seq && len(st.holes) < 100000; h++ {
			st.holes[h] = struct{}{}
		}
		st.last = seq
	default:
		s.t.outOfOrder.Add(1)
		if _, ok := st.holes[seq]; !ok {
			s.t.duplicates.Add(1)
			return
		}
		delete(st.holes, seq)
	}
	if sent >= s.tl.windowStart && sent < s.tl.windowEnd {
		s.t.delivered.Add(1)
		s.t.lat.add(time.Now().UnixMilli() - sent)
	}
}

type readyFrame struct {
	Chats []struct {
		ChatID  string `json:"chat_id"`
		LastSeq int64  `json:"last_seq"`
	} `json:"chats"`
}

// onReady takes the socket's positions from `ready` and asks to resume from them, so any event
// committed between the server reading them and subscribing this socket still arrives.
func (s *conn) onReady(d []byte) error {
	var f readyFrame
	if err := json.Unmarshal(d, &f); err != nil {
		return err
	}
	type pos struct {
		ChatID  string `json:"chat_id"`
		LastSeq int64  `json:"last_seq"`
	}
	var resume struct {
		Type  string `json:"type"`
		Chats []pos  `json:"chats"`
	}
	resume.Type = "resume"
	for _, c := range f.Chats {
		if c.ChatID != s.own {
			continue
		}
		s.chats[c.ChatID] = &chatState{last: c.LastSeq}
		resume.Chats = append(resume.Chats, pos{c.ChatID, c.LastSeq})
	}
	s.ready = true
	s.t.ready.Add(1)
	out, _ := json.Marshal(resume)
	return s.write(1, out)
}

// run holds one member's socket from sign-in to the end of the drain.
func run(u *url.URL, token, chat string, tl timeline, t *totals, stop *closer, done *sync.WaitGroup, tails chan<- map[string]*chatState) {
	defer done.Done()
	s := &conn{chats: map[string]*chatState{}, own: chat, tl: tl, t: t}
	defer func() { tails <- s.chats }()
	dialing <- struct{}{} // a bounded number of handshakes at once (see dialing)
	c, r, err := dial(u)
	<-dialing
	if err != nil {
		t.wsErrors.Add(1)
		fmt.Fprintf(os.Stderr, "bench-error socket %.60s\n", err)
		return
	}
	s.c, s.r = c, r
	defer c.Close()
	auth, _ := json.Marshal(map[string]string{"type": "auth", "token": token})
	if err := s.write(1, auth); err != nil {
		t.wsErrors.Add(1)
		return
	}
	stop.add(s)
	for {
		op, d, err := s.next()
		if err != nil {
			if s.stopping.Load() { // the server answered our close (or let the grace run out)
				return
			}
			t.closedEarly.Add(1)
			if op != 8 {
				t.wsErrors.Add(1)
				fmt.Fprintf(os.Stderr, "bench-error socket %.60s\n", err)
			}
			return
		}
		if op != 1 {
			continue
		}
		t.frames.Add(1)
		switch {
		case bytes.HasPrefix(d, createdPrefix) && s.created(d):
		case bytes.HasPrefix(d, readyPrefix):
			if err := s.onReady(d); err != nil {
				t.wsErrors.Add(1)
				return
			}
		case bytes.HasPrefix(d, resumedPrefix):
		case bytes.HasPrefix(d, errorPrefix):
			t.wsErrors.Add(1)
			fmt.Fprintf(os.Stderr, "bench-error ws %.120s\n", d)
		}
	}
}

// closer ends every socket with the closing handshake at the end of the drain, or at SIGTERM
// or SIGINT: a close frame goes out and the socket is read until the server's close comes
// back, so every frame the server wrote before it is still read and counted.
type closer struct {
	mu    sync.Mutex
	conns []*conn
	done  bool
}

func (k *closer) add(s *conn) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.done {
		s.end()
		return
	}
	k.conns = append(k.conns, s)
}

func (k *closer) all() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.done = true
	for _, s := range k.conns {
		s.end()
	}
}

func (s *conn) end() {
	if s.stopping.Swap(true) {
		return
	}
	_ = s.c.SetWriteDeadline(time.Now().Add(2 * time.Second))
	_ = s.write(8, []byte{0x03, 0xe8})
	_ = s.c.SetReadDeadline(time.Now().Add(5 * time.Second))
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

func envFloat(name string, fallback float64) float64 {
	if v, err := strconv.ParseFloat(os.Getenv(name), 64); err == nil {
		return v
	}
	return fallback
}

func envInt(name string, fallback int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return fallback
}

func main() {
	out := flag.String("out", "", "where the JSON figures go")
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.Parse()
	if *showVersion {
		fmt.Println(version)
		return
	}
	if err := mainErr(*out); err != nil {
		fmt.Fprintln(os.Stderr, "receiver:", err)
		os.Exit(1)
	}
}

// mainErr reads the same variables as realtime.js (BASE_URL, SEED, VU_OFFSET, VU_COUNT, T0,
// CONNECT_S, WARMUP_S, DURATION_S, DRAIN_S) and holds VU_COUNT sockets from VU_OFFSET.
func mainErr(out string) error {
	raw, err := os.ReadFile(os.Getenv("SEED"))
	if err != nil {
		return err
	}
	var seed seedFile
	if err := json.Unmarshal(raw, &seed); err != nil {
		return err
	}
	base := os.Getenv("BASE_URL")
	if base == "" {
		base = "http://127.0.0.1:8080"
	}
	u, err := url.Parse(base)
	if err != nil {
		return err
	}
	u.Path += "/api/v1/ws"
	t0 := int64(envInt("T0", int(time.Now().UnixMilli())))
	sendAt := t0 + int64(1000*envFloat("CONNECT_S", 5))
	ws := sendAt + int64(1000*envFloat("WARMUP_S", 5))
	we := ws + int64(1000*envFloat("DURATION_S", 30))
	tl := timeline{ws, we, we + int64(1000*envFloat("DRAIN_S", 5))}
	offset := envInt("VU_OFFSET", 0)
	count := envInt("VU_COUNT", len(seed.Users)-offset)
	if offset < 0 || count < 0 || offset+count > len(seed.Users) {
		return fmt.Errorf("users %d..%d outside the seed's %d", offset, offset+count, len(seed.Users))
	}
	t := &totals{lat: &histogram{}}
	var wg sync.WaitGroup
	tails := make(chan map[string]*chatState, count)
	cpu := make(chan [2]float64, 1)
	go window(tl, t, cpu)
	stop := &closer{}
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		select {
		case <-signals:
		case <-time.After(time.Until(time.UnixMilli(tl.closeAt))):
		}
		stop.all()
	}()
	for i := offset; i < offset+count; i++ {
		wg.Add(1)
		go run(u, seed.Users[i].Token, seed.Chats[seed.Users[i].Chat].ID, tl, t, stop, &wg, tails)
	}
	wg.Wait()
	close(tails)
	lost(tails, t)
	var used [2]float64
	select {
	case used = <-cpu:
	default: // stopped before the window ended: no window figures
	}
	return report(out, count, t, used)
}

// window samples the process's CPU and frame count at the window's edges (the drain included,
// since late deliveries of the window are still read then).
func window(tl timeline, t *totals, cpu chan<- [2]float64) {
	time.Sleep(time.Until(time.UnixMilli(tl.windowStart)))
	c0, f0 := cpuSeconds(), t.frames.Load()
	time.Sleep(time.Until(time.UnixMilli(tl.windowEnd)))
	cpu <- [2]float64{cpuSeconds() - c0, float64(t.frames.Load() - f0)}
}

// lost counts what a socket never got: the holes it still has, and the seqs below the highest
// any socket of this process saw in the same chat that it never reached.
func lost(tails <-chan map[string]*chatState, t *totals) {
	var all []map[string]*chatState
	top := map[string]int64{}
	for m := range tails {
		all = append(all, m)
		for id, st := range m {
			if st.last > top[id] {
				top[id] = st.last
			}
		}
	}
	for _, m := range all {
		for id, st := range m {
			t.lost.Add(int64(len(st.holes)) + top[id] - st.last)
		}
	}
}

func report(out string, sockets int, t *totals, cpu [2]float64) error {
	fig := map[string]any{
		"receiver":      "go",
		"version":       version,
		"sockets":       sockets,
		"ws_ready":      t.ready.Load(),
		"closed_early":  t.closedEarly.Load(),
		"ws_errors":     t.wsErrors.Load(),
		"frames":        t.frames.Load(),
		"delivered":     t.delivered.Load(),
		"duplicates":    t.duplicates.Load(),
		"out_of_order":  t.outOfOrder.Load(),
		"lost":          t.lost.Load(),
		"delivery_ms":   t.lat.trend(),
		"window_cpu_s":  cpu[0],
		"window_frames": cpu[1],
		"total_cpu_s":   cpuSeconds(),
	}
	if cpu[1] > 0 {
		fig["cpu_us_per_frame"] = 1e6 * cpu[0] / cpu[1]
	}
	data, err := json.MarshalIndent(fig, "", "  ")
	if err != nil {
		return err
	}
	if out == "" {
		_, err = os.Stdout.Write(append(data, '\n'))
		return err
	}
	return os.WriteFile(out, data, 0o600)
}
