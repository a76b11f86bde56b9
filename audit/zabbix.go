package audit

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"strconv"
	"time"
)

// ZabbixConfig configures a ZabbixSender. Addr and Host are required.
type ZabbixConfig struct {
	// Addr is the host:port of the Zabbix server or proxy trapper, usually
	// port 10051.
	Addr string
	// Host is the host name, as configured in Zabbix, that owns the items.
	Host string
	// KeyPrefix starts each item key; an alert goes to the item
	// KeyPrefix + "[" + rule + "]". Default "spkit.audit.alert".
	KeyPrefix string
	// Timeout bounds one send, from dial to response, when the context has
	// no earlier deadline. Default 5 seconds.
	Timeout time.Duration
	// Dialer opens the connection. Default: a net.Dialer.
	Dialer interface {
		DialContext(ctx context.Context, network, addr string) (net.Conn, error)
	}
	// Now stamps items with their clock. Default time.Now.
	Now func() time.Time
}

// ZabbixItem is one value for a Zabbix trapper item.
type ZabbixItem struct {
	Host  string `json:"host"`
	Key   string `json:"key"`
	Value string `json:"value"`
	Clock int64  `json:"clock,omitempty"`
	NS    int64  `json:"ns,omitempty"`
}

// ZabbixError reports a send that Zabbix did not fully accept: a response
// other than "success", or a success whose info counts failed items (an
// item the server does not know, or a value of the wrong type).
type ZabbixError struct {
	Response  string
	Info      string
	Processed int
	Failed    int
	Total     int
}

func (e *ZabbixError) Error() string {
	return fmt.Sprintf("audit: zabbix rejected items: response %q, processed %d, failed %d of %d (%s); check that the trapper items exist on the host and accept text",
		e.Response, e.Processed, e.Failed, e.Total, e.Info)
}

// ZabbixSender sends alerts to Zabbix with the sender (trapper) protocol:
// a "ZBXD" header with flag 0x01 and the little-endian length of the JSON
// body, then {"request":"sender data","data":[...]}. It implements
// Notifier. It does not retry: a Trail counts and logs failed notifications.
// A ZabbixSender is safe for concurrent use.
type ZabbixSender struct {
	cfg ZabbixConfig
}

// NewZabbixSender returns a sender for cfg.
func NewZabbixSender(cfg ZabbixConfig) (*ZabbixSender, error) {
	if cfg.Addr == "" {
		return nil, errors.New("audit: ZabbixConfig.Addr is required")
	}
	if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
		return nil, fmt.Errorf("audit: ZabbixConfig.Addr %q: %w", cfg.Addr, err)
	}
	if cfg.Host == "" {
		return nil, errors.New("audit: ZabbixConfig.Host is required")
	}
	if cfg.KeyPrefix == "" {
		cfg.KeyPrefix = "spkit.audit.alert"
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.Dialer == nil {
		cfg.Dialer = &net.Dialer{}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &ZabbixSender{cfg: cfg}, nil
}

// Notify sends the alert as a JSON text value of the item
// KeyPrefix[rule].
func (z *ZabbixSender) Notify(ctx context.Context, a Alert) error {
	value, err := json.Marshal(struct {
		Rule      string  `json:"rule"`
		Key       string  `json:"key"`
		Count     int     `json:"count"`
		Threshold int     `json:"threshold"`
		Window    float64 `json:"window_seconds"`
		Time      string  `json:"time"`
	}{a.Rule, a.Key, a.Count, a.Threshold, a.Window.Seconds(), a.Time.UTC().Format(time.RFC3339)})
	if err != nil {
		return err
	}
	now := z.cfg.Now()
	_, err = z.Send(ctx, []ZabbixItem{{
		Host:  z.cfg.Host,
		Key:   z.cfg.KeyPrefix + "[" + a.Rule + "]",
		Value: string(value),
		Clock: now.Unix(),
		NS:    int64(now.Nanosecond()),
	}})
	return err
}

// zabbixHeader starts every message: "ZBXD" and the protocol flag.
var zabbixHeader = []byte{'Z', 'B', 'X', 'D', 0x01}

// maxZabbixResponse bounds the response body that Send reads.
const maxZabbixResponse = 1 << 20

// ZabbixResult is the parsed response to a successful send.
type ZabbixResult struct {
	Processed, Failed, Total int
	Info                     string
}

// Send sends items in one request and returns the counts from the server's
// info. It returns a *ZabbixError when the server reports anything other
// than full success, and another error when the connection or the response
// fails.
func (z *ZabbixSender) Send(ctx context.Context, items []ZabbixItem) (ZabbixResult, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, z.cfg.Timeout)
		defer cancel()
	}
	body, err := json.Marshal(struct {
		Request string       `json:"request"`
		Data    []ZabbixItem `json:"data"`
	}{"sender data", items})
	if err != nil {
		return ZabbixResult{}, err
	}
	msg := make([]byte, 0, 13+len(body))
	msg = append(msg, zabbixHeader...)
	msg = binary.LittleEndian.AppendUint32(msg, uint32(len(body)))
	msg = binary.LittleEndian.AppendUint32(msg, 0)
	msg = append(msg, body...)

	conn, err := z.cfg.Dialer.DialContext(ctx, "tcp", z.cfg.Addr)
	if err != nil {
		return ZabbixResult{}, fmt.Errorf("audit: zabbix: connect to %s: %w", z.cfg.Addr, err)
	}
	defer conn.Close()
	// Closing the connection when ctx ends unblocks the reads and writes.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	}

	if _, err := conn.Write(msg); err != nil {
		return ZabbixResult{}, z.ioError(ctx, "send", err)
	}
	resp, err := readZabbixMessage(conn)
	if err != nil {
		return ZabbixResult{}, z.ioError(ctx, "read response", err)
	}
	return parseZabbixResponse(resp)
}

func (z *ZabbixSender) ioError(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("audit: zabbix %s at %s: %w", op, z.cfg.Addr, ctx.Err())
	}
	// The connection's deadline is the context's, and may fire a moment
	// before the context reports it.
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("audit: zabbix %s at %s: %w", op, z.cfg.Addr, context.DeadlineExceeded)
	}
	return fmt.Errorf("audit: zabbix %s at %s: %w", op, z.cfg.Addr, err)
}

// readZabbixMessage reads one message with a standard header (13 bytes) or
// a large-packet header (flag 0x04, 8-byte lengths, 21 bytes).
func readZabbixMessage(r io.Reader) ([]byte, error) {
	var hdr [13]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("connection closed before a response")
		}
		return nil, err
	}
	if !bytes.Equal(hdr[:4], zabbixHeader[:4]) {
		return nil, fmt.Errorf("response does not start with ZBXD (got %q)", hdr[:4])
	}
	flags := hdr[4]
	if flags&0x02 != 0 {
		return nil, errors.New("compressed responses are not supported")
	}
	var size uint64
	if flags&0x04 != 0 {
		var rest [8]byte
		if _, err := io.ReadFull(r, rest[:]); err != nil {
			return nil, err
		}
		size = binary.LittleEndian.Uint64(hdr[5:13])
	} else {
		size = uint64(binary.LittleEndian.Uint32(hdr[5:9]))
	}
	if size > maxZabbixResponse {
		return nil, fmt.Errorf("response of %d bytes is over the %d-byte limit", size, maxZabbixResponse)
	}
	body := make([]byte, size)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, fmt.Errorf("response cut short: %w", err)
	}
	return body, nil
}

var zabbixInfo = regexp.MustCompile(`processed:\s*(\d+);\s*failed:\s*(\d+);\s*total:\s*(\d+)`)

// parseZabbixResponse reads {"response":"success","info":"processed: 1;
// failed: 0; total: 1; seconds spent: ..."}.
func parseZabbixResponse(body []byte) (ZabbixResult, error) {
	var resp struct {
		Response string `json:"response"`
		Info     string `json:"info"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return ZabbixResult{}, fmt.Errorf("audit: zabbix: response is not JSON: %w", err)
	}
	res := ZabbixResult{Info: resp.Info}
	m := zabbixInfo.FindStringSubmatch(resp.Info)
	if m != nil {
		res.Processed, _ = strconv.Atoi(m[1])
		res.Failed, _ = strconv.Atoi(m[2])
		res.Total, _ = strconv.Atoi(m[3])
	}
	if resp.Response != "success" || m == nil || res.Failed > 0 {
		return res, &ZabbixError{
			Response: resp.Response, Info: clipInfo(resp.Info),
			Processed: res.Processed, Failed: res.Failed, Total: res.Total,
		}
	}
	return res, nil
}

func clipInfo(s string) string {
	const max = 200
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}

var _ Notifier = (*ZabbixSender)(nil)
