package audit

import (
	"bytes"
	"encoding/binary"
	"testing"
)

func FuzzZabbixResponse(f *testing.F) {
	frame := func(flags byte, body string) []byte {
		out := []byte{'Z', 'B', 'X', 'D', flags}
		out = binary.LittleEndian.AppendUint32(out, uint32(len(body)))
		out = binary.LittleEndian.AppendUint32(out, 0)
		return append(out, body...)
	}
	f.Add(frame(1, `{"response":"success","info":"processed: 1; failed: 0; total: 1; seconds spent: 0.000055"}`))
	f.Add(frame(1, `{"response":"success","info":"processed: 0; failed: 1; total: 1; seconds spent: 0.000055"}`))
	f.Add(frame(1, `{"response":"failed"}`))
	f.Add(frame(5, `{}`))
	f.Add([]byte("ZBXD"))
	f.Fuzz(func(t *testing.T, data []byte) {
		body, err := readZabbixMessage(bytes.NewReader(data))
		if err != nil {
			return
		}
		if len(body) > maxZabbixResponse {
			t.Fatalf("body of %d bytes passed the limit", len(body))
		}
		res, err := parseZabbixResponse(body)
		if err == nil && (res.Failed != 0 || res.Total == 0 && res.Processed != 0) {
			t.Fatalf("accepted a response with failed items: %+v", res)
		}
	})
}
