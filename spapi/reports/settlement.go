package reports

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// TypeSettlementV2 is the report type of the V2 settlement flat file. Amazon
// generates these reports on its own schedule; they are listed with
// getReports and cannot be requested with createReport.
const TypeSettlementV2 = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"

// MaxSettlementLineBytes is the longest line SettlementReader accepts.
const MaxSettlementLineBytes = 1 << 20

// Amount is an amount of money in hundredths of the currency unit (cents,
// pence), so that sums are exact. Settlement files carry at most two
// decimals.
type Amount int64

// String formats the amount as a decimal with two decimals.
func (a Amount) String() string {
	sign := ""
	v := uint64(a)
	if a < 0 {
		// Negating in uint64 is exact for every value, math.MinInt64 included.
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}

// Settlement is the summary line of a settlement report.
type Settlement struct {
	ID          string
	StartDate   time.Time
	EndDate     time.Time
	DepositDate time.Time
	TotalAmount Amount
	Currency    string
}

// SettlementRow is a transaction line of a settlement report. Empty cells
// give zero values.
type SettlementRow struct {
	Line                     int // line number in the file, from 1
	TransactionType          string
	OrderID                  string
	MerchantOrderID          string
	AdjustmentID             string
	ShipmentID               string
	MarketplaceName          string
	AmountType               string
	AmountDescription        string
	Amount                   Amount
	FulfillmentID            string
	PostedDate               time.Time // from posted-date-time, or posted-date at midnight UTC
	OrderItemCode            string
	MerchantOrderItemID      string
	MerchantAdjustmentItemID string
	SKU                      string
	QuantityPurchased        int
	PromotionID              string
}

// ErrNotSettlement is returned for a file whose header line lacks the
// settlement columns.
var ErrNotSettlement = errors.New("not a V2 settlement flat file")

// SettlementError reports a cell that cannot be parsed. It names the line
// and column but not the value.
type SettlementError struct {
	Line   int
	Column string
	Err    error
}

func (e *SettlementError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("settlement report line %d: %v", e.Line, e.Err)
	}
	return fmt.Sprintf("settlement report line %d, column %s: %v", e.Line, e.Column, e.Err)
}

func (e *SettlementError) Unwrap() error { return e.Err }

// Column indexes, filled from the header line.
const (
	colSettlementID = iota
	colStart
	colEnd
	colDeposit
	colTotal
	colCurrency
	colTransactionType
	colOrderID
	colMerchantOrderID
	colAdjustmentID
	colShipmentID
	colMarketplace
	colAmountType
	colAmountDescription
	colAmount
	colFulfillmentID
	colPostedDate
	colPostedDateTime
	colOrderItemCode
	colMerchantOrderItemID
	colMerchantAdjustmentItemID
	colSKU
	colQuantity
	colPromotionID
	numColumns
)

var columnNames = [numColumns]string{
	"settlement-id", "settlement-start-date", "settlement-end-date", "deposit-date",
	"total-amount", "currency", "transaction-type", "order-id", "merchant-order-id",
	"adjustment-id", "shipment-id", "marketplace-name", "amount-type",
	"amount-description", "amount", "fulfillment-id", "posted-date", "posted-date-time",
	"order-item-code", "merchant-order-item-id", "merchant-adjustment-item-id", "sku",
	"quantity-purchased", "promotion-id",
}

// SettlementReader reads a V2 settlement flat file (tab-separated, one
// header line, then a summary line, then transaction lines) row by row, so
// that files of any size are read in constant memory. Columns are found by
// name, so their order does not matter and unknown columns are ignored.
// Dates are accepted as 2006-01-02, 2006-01-02 15:04:05 UTC, RFC 3339 and
// the day-first 02.01.2006 forms some marketplaces use; amounts accept a
// decimal point or comma. A line with too few cells to reach every known
// column, as a truncated file ends, is a [*SettlementError].
type SettlementReader struct {
	br         *bufio.Reader
	line       int
	index      [numColumns]int // column position of each known column, or -1
	minCells   int             // cells a line needs to reach every known column
	header     bool
	settlement Settlement
	summary    bool
	cells      []string
	pending    []byte
}

// NewSettlementReader returns a reader of r.
func NewSettlementReader(r io.Reader) *SettlementReader {
	return &SettlementReader{br: bufio.NewReaderSize(r, 256<<10)}
}

// Settlement returns the summary line. It is complete after the first call
// to Read.
func (sr *SettlementReader) Settlement() Settlement { return sr.settlement }

// Read returns the next transaction row, or io.EOF after the last one.
// Cell errors are [*SettlementError]; a file without the settlement header
// returns an error wrapping [ErrNotSettlement].
func (sr *SettlementReader) Read() (*SettlementRow, error) {
	for {
		line, err := sr.readLine()
		if err != nil {
			if err == io.EOF && !sr.header {
				return nil, fmt.Errorf("reports: %w: empty file", ErrNotSettlement)
			}
			return nil, err
		}
		if !sr.header {
			if err := sr.readHeader(line); err != nil {
				return nil, err
			}
			continue
		}
		if len(line) == 0 {
			continue
		}

		// One string per line; the cells are substrings of it, so a row
		// costs one allocation for all its text.
		text := string(line)
		sr.cells = splitTabs(text, sr.cells[:0])
		if len(sr.cells) < sr.minCells {
			// A line cut short, as at the end of a truncated download,
			// would otherwise read as a row with empty cells and a zero
			// amount.
			return nil, &SettlementError{Line: sr.line, Err: fmt.Errorf("line has %d cells, but the header needs %d; the file may be truncated", len(sr.cells), sr.minCells)}
		}
		if !sr.summary && sr.cell(colTransactionType) == "" && sr.cell(colTotal) != "" {
			if err := sr.readSummary(); err != nil {
				return nil, err
			}
			continue
		}
		return sr.row()
	}
}

// readLine returns the next line without its line ending. The slice is
// valid until the next call.
func (sr *SettlementReader) readLine() ([]byte, error) {
	line, err := sr.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		sr.pending = append(sr.pending[:0], line...)
		for err == bufio.ErrBufferFull {
			if len(sr.pending) > MaxSettlementLineBytes {
				return nil, &SettlementError{Line: sr.line + 1, Err: fmt.Errorf("line exceeds %d bytes", MaxSettlementLineBytes)}
			}
			line, err = sr.br.ReadSlice('\n')
			sr.pending = append(sr.pending, line...)
		}
		line = sr.pending
	}
	if err != nil && err != io.EOF {
		return nil, err
	}
	if err == io.EOF && len(line) == 0 {
		return nil, io.EOF
	}
	if len(line) > MaxSettlementLineBytes {
		return nil, &SettlementError{Line: sr.line + 1, Err: fmt.Errorf("line exceeds %d bytes", MaxSettlementLineBytes)}
	}
	sr.line++
	line = bytes.TrimSuffix(line, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	return line, nil
}

func (sr *SettlementReader) readHeader(line []byte) error {
	line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
	for i := range sr.index {
		sr.index[i] = -1
	}
	for pos, name := range strings.Split(string(line), "\t") {
		name = strings.ToLower(strings.TrimSpace(name))
		for c, want := range columnNames {
			if name == want {
				sr.index[c] = pos
			}
		}
	}
	for _, c := range []int{colSettlementID, colTransactionType, colAmount} {
		if sr.index[c] < 0 {
			return fmt.Errorf("reports: %w: missing column %s", ErrNotSettlement, columnNames[c])
		}
	}
	sr.minCells = 0
	for _, pos := range sr.index {
		sr.minCells = max(sr.minCells, pos+1)
	}
	sr.header = true
	return nil
}

func (sr *SettlementReader) cell(c int) string {
	i := sr.index[c]
	if i < 0 || i >= len(sr.cells) {
		return ""
	}
	return sr.cells[i]
}

func (sr *SettlementReader) readSummary() error {
	s := Settlement{ID: sr.cell(colSettlementID), Currency: sr.cell(colCurrency)}
	var err error
	if s.StartDate, err = sr.time(colStart); err != nil {
		return err
	}
	if s.EndDate, err = sr.time(colEnd); err != nil {
		return err
	}
	if s.DepositDate, err = sr.time(colDeposit); err != nil {
		return err
	}
	if s.TotalAmount, err = sr.amount(colTotal); err != nil {
		return err
	}
	sr.settlement = s
	sr.summary = true
	return nil
}

func (sr *SettlementReader) row() (*SettlementRow, error) {
	r := &SettlementRow{
		Line:                     sr.line,
		TransactionType:          sr.cell(colTransactionType),
		OrderID:                  sr.cell(colOrderID),
		MerchantOrderID:          sr.cell(colMerchantOrderID),
		AdjustmentID:             sr.cell(colAdjustmentID),
		ShipmentID:               sr.cell(colShipmentID),
		MarketplaceName:          sr.cell(colMarketplace),
		AmountType:               sr.cell(colAmountType),
		AmountDescription:        sr.cell(colAmountDescription),
		FulfillmentID:            sr.cell(colFulfillmentID),
		OrderItemCode:            sr.cell(colOrderItemCode),
		MerchantOrderItemID:      sr.cell(colMerchantOrderItemID),
		MerchantAdjustmentItemID: sr.cell(colMerchantAdjustmentItemID),
		SKU:                      sr.cell(colSKU),
		PromotionID:              sr.cell(colPromotionID),
	}
	var err error
	if r.Amount, err = sr.amount(colAmount); err != nil {
		return nil, err
	}
	if sr.cell(colPostedDateTime) != "" {
		r.PostedDate, err = sr.time(colPostedDateTime)
	} else {
		r.PostedDate, err = sr.time(colPostedDate)
	}
	if err != nil {
		return nil, err
	}
	if q := sr.cell(colQuantity); q != "" {
		n, err := strconv.Atoi(q)
		if err != nil || n < 0 {
			return nil, &SettlementError{Line: sr.line, Column: columnNames[colQuantity], Err: errors.New("invalid quantity")}
		}
		r.QuantityPurchased = n
	}
	return r, nil
}

func (sr *SettlementReader) amount(c int) (Amount, error) {
	s := sr.cell(c)
	if s == "" {
		return 0, nil
	}
	a, ok := parseAmount(s)
	if !ok {
		return 0, &SettlementError{Line: sr.line, Column: columnNames[c], Err: errors.New("invalid amount: want a decimal with at most two decimals")}
	}
	return a, nil
}

func (sr *SettlementReader) time(c int) (time.Time, error) {
	s := sr.cell(c)
	if s == "" {
		return time.Time{}, nil
	}
	t, ok := parseTime(s)
	if !ok {
		return time.Time{}, &SettlementError{Line: sr.line, Column: columnNames[c], Err: errors.New("invalid date")}
	}
	return t, nil
}

// splitTabs appends the tab-separated cells of s to dst.
func splitTabs(s string, dst []string) []string {
	for {
		i := strings.IndexByte(s, '\t')
		if i < 0 {
			return append(dst, s)
		}
		dst = append(dst, s[:i])
		s = s[i+1:]
	}
}

// parseAmount parses a decimal such as -1234.5 or 1234,56 into hundredths.
// The decimal separator is a point or a comma; thousands separators are not
// used in settlement files and are rejected.
func parseAmount(s string) (Amount, bool) {
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg, s = s[0] == '-', s[1:]
	}
	var units, frac int64
	digits, fracDigits := 0, -1
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9' && fracDigits >= 0:
			if fracDigits == 2 {
				return 0, false
			}
			frac = frac*10 + int64(c-'0')
			fracDigits++
		case c >= '0' && c <= '9':
			// units*100 + frac must fit in an int64, or the amount wraps
			// around to a wrong value with the opposite sign.
			d := int64(c - '0')
			if units > (math.MaxInt64/100-d)/10 {
				return 0, false
			}
			units = units*10 + d
			digits++
		case (c == '.' || c == ',') && fracDigits < 0:
			fracDigits = 0
		default:
			return 0, false
		}
	}
	if digits == 0 && fracDigits <= 0 {
		return 0, false
	}
	if fracDigits == 1 {
		frac *= 10
	}
	if units > (math.MaxInt64-frac)/100 {
		return 0, false
	}
	v := units*100 + frac
	if neg {
		v = -v
	}
	return Amount(v), true
}

// parseTime parses the date forms found in settlement files. All are UTC.
func parseTime(s string) (time.Time, bool) {
	if len(s) >= 10 && s[4] == '-' && s[7] == '-' {
		y, ok1 := atoi(s[0:4])
		m, ok2 := atoi(s[5:7])
		d, ok3 := atoi(s[8:10])
		if !ok1 || !ok2 || !ok3 {
			return time.Time{}, false
		}
		return clock(y, m, d, s[10:])
	}
	if len(s) >= 10 && (s[2] == '.' || s[2] == '/') && s[5] == s[2] {
		d, ok1 := atoi(s[0:2])
		m, ok2 := atoi(s[3:5])
		y, ok3 := atoi(s[6:10])
		if !ok1 || !ok2 || !ok3 {
			return time.Time{}, false
		}
		return clock(y, m, d, s[10:])
	}
	return time.Time{}, false
}

// clock parses what follows the date: nothing, " 15:04:05 UTC",
// "T15:04:05Z", "T15:04:05+00:00" or the same with fractional seconds.
func clock(y, m, d int, rest string) (time.Time, bool) {
	if m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	if rest == "" {
		return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), true
	}
	if rest[0] != ' ' && rest[0] != 'T' || len(rest) < 9 || rest[3] != ':' || rest[6] != ':' {
		return time.Time{}, false
	}
	hh, ok1 := atoi(rest[1:3])
	mm, ok2 := atoi(rest[4:6])
	ss, ok3 := atoi(rest[7:9])
	if !ok1 || !ok2 || !ok3 || hh > 23 || mm > 59 || ss > 60 {
		return time.Time{}, false
	}
	rest = rest[9:]
	nsec := 0
	if len(rest) > 0 && rest[0] == '.' {
		i := 1
		scale := 100000000
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			nsec += int(rest[i]-'0') * scale
			scale /= 10
			i++
		}
		rest = rest[i:]
	}
	offset := 0
	switch {
	case rest == "" || rest == "Z" || rest == " UTC" || rest == " GMT" || rest == "+00:00":
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, ok1 := atoi(rest[1:3])
		om, ok2 := atoi(rest[4:6])
		if !ok1 || !ok2 {
			return time.Time{}, false
		}
		offset = oh*3600 + om*60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, hh, mm, ss, nsec, time.UTC)
	return t.Add(-time.Duration(offset) * time.Second), true
}

func atoi(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, len(s) > 0
}
