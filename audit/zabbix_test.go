package audit_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hidemont/spkit/audit"
)

// fakeTrapper is a Zabbix trapper on the loopback address. reply decides
// what it writes back for each request body.
type fakeTrapper struct {
	ln    net.Listener
	reply func(body []byte) []byte

	mu       sync.Mutex
	requests []trapperRequest
}

type trapperRequest struct {
	Request string             `json:"request"`
	Data    []audit.ZabbixItem `json:"data"`
}

func newFakeTrapper(t *testing.T, reply func(body []byte) []byte) *fakeTrapper {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tr := &fakeTrapper{ln: ln, reply: reply}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { tr.serve(conn) })
		}
	})
	return tr
}

func (tr *fakeTrapper) serve(conn net.Conn) {
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	var hdr [13]byte
	if _, err := io.ReadFull(conn, hdr[:]); err != nil || string(hdr[:4]) != "ZBXD" || hdr[4] != 1 {
		return
	}
	body := make([]byte, binary.LittleEndian.Uint32(hdr[5:9]))
	if _, err := io.ReadFull(conn, body); err != nil {
		return
	}
	var req trapperRequest
	if json.Unmarshal(body, &req) == nil {
		tr.mu.Lock()
		tr.requests = append(tr.requests, req)
		tr.mu.Unlock()
	}
	if out := tr.reply(body); out != nil {
		conn.Write(out)
	}
}

func (tr *fakeTrapper) Requests() []trapperRequest {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return append([]trapperRequest(nil), tr.requests...)
}

func zabbixFrame(body string) []byte {
	out := []byte{'Z', 'B', 'X', 'D', 1}
	out = binary.LittleEndian.AppendUint32(out, uint32(len(body)))
	out = binary.LittleEndian.AppendUint32(out, 0)
	return append(out, body...)
}

func replyWith(body string) func([]byte) []byte {
	return func([]byte) []byte { return zabbixFrame(body) }
}

func newSender(t *testing.T, addr string, timeout time.Duration) *audit.ZabbixSender {
	t.Helper()
	z, err := audit.NewZabbixSender(audit.ZabbixConfig{Addr: addr, Host: "erp-prod-1", Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	return z
}

var sampleAlert = audit.Alert{
	Rule: "failed_logins_per_actor", Key: "u-123456", Count: 10, Threshold: 10,
	Window: 15 * time.Minute, Time: time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC),
}

func TestZabbixSenderSuccess(t *testing.T) {
	t.Parallel()
	trapper := newFakeTrapper(t, replyWith(`{"response":"success","info":"processed: 1; failed: 0; total: 1; seconds spent: 0.000055"}`))
	z := newSender(t, trapper.ln.Addr().String(), time.Second)
	if err := z.Notify(context.Background(), sampleAlert); err != nil {
		t.Fatalf("Notify: %v", err)
	}
	reqs := trapper.Requests()
	if len(reqs) != 1 || reqs[0].Request != "sender data" || len(reqs[0].Data) != 1 {
		t.Fatalf("trapper received %+v", reqs)
	}
	item := reqs[0].Data[0]
	if item.Host != "erp-prod-1" || item.Key != "spkit.audit.alert[failed_logins_per_actor]" {
		t.Errorf("item host/key = %s/%s", item.Host, item.Key)
	}
	var value map[string]any
	if err := json.Unmarshal([]byte(item.Value), &value); err != nil {
		t.Fatalf("item value is not JSON: %v", err)
	}
	if value["rule"] != "failed_logins_per_actor" || value["count"] != float64(10) || value["window_seconds"] != float64(900) {
		t.Errorf("item value = %v", value)
	}
	if item.Clock == 0 {
		t.Error("item has no clock")
	}
}

func TestZabbixSenderFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		reply     func([]byte) []byte
		zabbixErr bool
		want      string
	}{
		{"failed items in a success response", replyWith(`{"response":"success","info":"processed: 0; failed: 1; total: 1; seconds spent: 0.000031"}`), true, "failed 1 of 1"},
		{"failed response", replyWith(`{"response":"failed","info":"host not found"}`), true, `response "failed"`},
		{"success without counts", replyWith(`{"response":"success","info":""}`), true, "processed 0"},
		{"not json", replyWith(`OK`), false, "not JSON"},
		{"bad header", func([]byte) []byte { return []byte("HTTP/1.1 400 Bad Request\r\n\r\n") }, false, "ZBXD"},
		{"closed without reply", func([]byte) []byte { return nil }, false, "closed before a response"},
		{"cut short", func([]byte) []byte { return zabbixFrame(`{"response":"success"}`)[:20] }, false, "cut short"},
		{"oversized", func([]byte) []byte {
			out := []byte{'Z', 'B', 'X', 'D', 1}
			out = binary.LittleEndian.AppendUint32(out, 1<<30)
			return binary.LittleEndian.AppendUint32(out, 0)
		}, false, "over the"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			trapper := newFakeTrapper(t, tt.reply)
			z := newSender(t, trapper.ln.Addr().String(), 2*time.Second)
			err := z.Notify(context.Background(), sampleAlert)
			if err == nil {
				t.Fatal("Notify succeeded")
			}
			var ze *audit.ZabbixError
			if got := errors.As(err, &ze); got != tt.zabbixErr {
				t.Errorf("error %v: *ZabbixError = %v, want %v", err, got, tt.zabbixErr)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestZabbixSenderTimeout(t *testing.T) {
	t.Parallel()
	block := make(chan struct{})
	trapper := newFakeTrapper(t, func([]byte) []byte { <-block; return nil })
	// Registered after the trapper's cleanup, so it runs first and lets the
	// trapper's handler return.
	t.Cleanup(func() { close(block) })
	z := newSender(t, trapper.ln.Addr().String(), 200*time.Millisecond)
	start := time.Now()
	err := z.Notify(context.Background(), sampleAlert)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Notify to a silent trapper = %v, want context.DeadlineExceeded", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Notify took %v, want about the 200ms timeout", took)
	}
}

func TestZabbixSenderServerDown(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	z := newSender(t, addr, time.Second)
	if err := z.Notify(context.Background(), sampleAlert); err == nil || !strings.Contains(err.Error(), "connect") {
		t.Fatalf("Notify to a closed port = %v, want a connect error", err)
	}
}

func TestZabbixSenderLargePacketResponse(t *testing.T) {
	t.Parallel()
	trapper := newFakeTrapper(t, func([]byte) []byte {
		body := `{"response":"success","info":"processed: 1; failed: 0; total: 1; seconds spent: 0.1"}`
		out := []byte{'Z', 'B', 'X', 'D', 1 | 4}
		out = binary.LittleEndian.AppendUint64(out, uint64(len(body)))
		out = binary.LittleEndian.AppendUint64(out, 0)
		return append(out, body...)
	})
	z := newSender(t, trapper.ln.Addr().String(), time.Second)
	res, err := z.Send(context.Background(), []audit.ZabbixItem{{Host: "h", Key: "k", Value: "v"}})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if res.Processed != 1 || res.Failed != 0 || res.Total != 1 {
		t.Errorf("result = %+v", res)
	}
}

func TestNewZabbixSenderValidates(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]audit.ZabbixConfig{
		"no addr":  {Host: "h"},
		"bad addr": {Addr: "no-port", Host: "h"},
		"no host":  {Addr: "127.0.0.1:10051"},
	} {
		if _, err := audit.NewZabbixSender(cfg); err == nil {
			t.Errorf("%s: NewZabbixSender succeeded", name)
		}
	}
}

func TestZabbixSenderAsTrailNotifier(t *testing.T) {
	t.Parallel()
	trapper := newFakeTrapper(t, func(body []byte) []byte {
		if !bytes.Contains(body, []byte("spkit.audit.alert[")) {
			return nil
		}
		return zabbixFrame(`{"response":"success","info":"processed: 1; failed: 0; total: 1; seconds spent: 0.0001"}`)
	})
	clock := newFakeClock()
	d := newDetector(t, clock, nil)
	tr := newTrail(t, audit.Config{
		Detectors: []audit.Detector{d},
		Notifier:  newSender(t, trapper.ln.Addr().String(), time.Second),
	})
	for range audit.DefaultFailedLoginsPerActor {
		e := fakeEvent(fakerFor(13), audit.ActionLogin)
		e.Actor, e.Outcome, e.Reason = "u-88", audit.OutcomeFailure, "bad_password"
		if err := tr.Record(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, func() bool { return len(trapper.Requests()) == 1 })
}
