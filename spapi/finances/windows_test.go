package finances

import (
	"errors"
	"testing"
	"time"

	"github.com/hidemont/spkit/spapi"
)

func TestWindows(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	c := &Client{now: func() time.Time { return now }}
	day := 24 * time.Hour

	ws, err := c.windows(now.Add(-400*day), now.Add(-10*day))
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 3 {
		t.Fatalf("windows = %d, want 3", len(ws))
	}
	for i, w := range ws {
		if w.end.Sub(w.start) > MaxWindow {
			t.Errorf("window %d spans %v", i, w.end.Sub(w.start))
		}
		if i > 0 && !w.start.Equal(ws[i-1].end) {
			t.Errorf("window %d does not start where %d ends", i, i-1)
		}
	}
	if !ws[2].end.Equal(now.Add(-10 * day)) {
		t.Errorf("last window ends %v", ws[2].end)
	}

	open, err := c.windows(now.Add(-30*day), time.Time{})
	if err != nil || len(open) != 1 || !open[0].end.IsZero() {
		t.Errorf("open range = %+v, %v; want one window without an end", open, err)
	}
	if _, err := c.windows(time.Time{}, now); !errors.Is(err, spapi.ErrInvalidRequest) {
		t.Errorf("no start: err = %v", err)
	}
	if _, err := c.windows(now, now.Add(-day)); !errors.Is(err, spapi.ErrInvalidRequest) {
		t.Errorf("reversed range: err = %v", err)
	}
}
