package audit_test

import (
	"context"
	"fmt"
	"time"

	"github.com/hidemont/spkit/audit"
)

func ExampleThresholdDetector() {
	now := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	detector, err := audit.NewDetector(audit.DetectorConfig{Now: func() time.Time { return now }})
	if err != nil {
		fmt.Println(err)
		return
	}
	for i := range 12 {
		e := &audit.Entry{Actor: "u-1042", Source: "203.0.113.0/24", Action: audit.ActionLogin,
			Outcome: audit.OutcomeFailure, Reason: "bad_password"}
		for _, a := range detector.Observe(e) {
			fmt.Printf("failure %d: %s %s count=%d window=%v\n", i+1, a.Rule, a.Key, a.Count, a.Window)
		}
		now = now.Add(30 * time.Second)
	}
	// Output:
	// failure 10: failed_logins_per_actor u-1042 count=10 window=15m0s
}

func ExampleZabbixSender() {
	sender, err := audit.NewZabbixSender(audit.ZabbixConfig{
		Addr: "127.0.0.1:10051", // the Zabbix server or proxy trapper port
		Host: "erp-prod-1",      // the host that owns the spkit.audit.alert[*] items
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	detector, err := audit.NewDetector(audit.DetectorConfig{})
	if err != nil {
		fmt.Println(err)
		return
	}
	trail, err := audit.New(audit.Config{
		Keyring:   exampleKeyring(),
		Sink:      audit.NewMemorySink(),
		Detectors: []audit.Detector{detector},
		Notifier:  sender,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer trail.Close(context.Background())
}
