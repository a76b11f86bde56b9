package feeds

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// MaxReportBytes is the largest processing report ParseReport accepts.
const MaxReportBytes = 64 << 20

// Severities of processing report issues.
const (
	SeverityError   = "ERROR"
	SeverityWarning = "WARNING"
	SeverityInfo    = "INFO"
)

// ErrInvalidReport is wrapped by the errors of a processing report that
// cannot be parsed.
var ErrInvalidReport = errors.New("invalid feed processing report")

// Report is a feed processing report: the JSON report of JSON feeds or the
// XML ProcessingReport of XML feeds such as POST_ORDER_FULFILLMENT_DATA, in
// one shape.
type Report struct {
	FeedID            string
	MessagesProcessed int
	MessagesAccepted  int
	MessagesInvalid   int
	Errors            int
	Warnings          int
	Issues            []Issue
}

// Issue is a problem with one message, or with the whole feed when
// MessageID is 0.
type Issue struct {
	MessageID     int
	SKU           string
	AmazonOrderID string
	Code          string
	Severity      string // SeverityError, SeverityWarning or SeverityInfo
	Message       string
	AttributeName string
}

// Failed returns the issues of severity ERROR, which mean that their message
// was not applied.
func (r *Report) Failed() []Issue {
	var out []Issue
	for _, is := range r.Issues {
		if is.Severity == SeverityError {
			out = append(out, is)
		}
	}
	return out
}

// FailedMessages returns the IDs of the messages that have at least one
// ERROR issue, in report order.
func (r *Report) FailedMessages() []int {
	seen := map[int]bool{}
	var out []int
	for _, is := range r.Failed() {
		if !seen[is.MessageID] {
			seen[is.MessageID] = true
			out = append(out, is.MessageID)
		}
	}
	return out
}

// ParseReport parses a processing report, JSON or XML, detected from its
// first non-blank byte. A report that is neither, or is over
// [MaxReportBytes], returns an error wrapping [ErrInvalidReport].
func ParseReport(data []byte) (*Report, error) {
	if len(data) > MaxReportBytes {
		return nil, fmt.Errorf("feeds: %w: %d bytes exceeds the limit of %d", ErrInvalidReport, len(data), MaxReportBytes)
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	trimmed = bytes.TrimPrefix(trimmed, []byte("\xef\xbb\xbf"))
	switch {
	case len(trimmed) > 0 && trimmed[0] == '{':
		return parseJSONReport(trimmed)
	case len(trimmed) > 0 && trimmed[0] == '<':
		return parseXMLReport(trimmed)
	}
	return nil, fmt.Errorf("feeds: %w: neither JSON nor XML", ErrInvalidReport)
}

type jsonReport struct {
	Header struct {
		FeedID string `json:"feedId"`
	} `json:"header"`
	Issues []struct {
		MessageID     int    `json:"messageId"`
		SKU           string `json:"sku"`
		Code          string `json:"code"`
		Severity      string `json:"severity"`
		Message       string `json:"message"`
		AttributeName string `json:"attributeName"`
	} `json:"issues"`
	Summary struct {
		Errors            int `json:"errors"`
		Warnings          int `json:"warnings"`
		MessagesProcessed int `json:"messagesProcessed"`
		MessagesAccepted  int `json:"messagesAccepted"`
		MessagesInvalid   int `json:"messagesInvalid"`
	} `json:"summary"`
}

func parseJSONReport(data []byte) (*Report, error) {
	var raw jsonReport
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("feeds: %w: %v", ErrInvalidReport, err)
	}
	r := &Report{
		FeedID:            raw.Header.FeedID,
		MessagesProcessed: raw.Summary.MessagesProcessed,
		MessagesAccepted:  raw.Summary.MessagesAccepted,
		MessagesInvalid:   raw.Summary.MessagesInvalid,
		Errors:            raw.Summary.Errors,
		Warnings:          raw.Summary.Warnings,
	}
	for _, is := range raw.Issues {
		r.Issues = append(r.Issues, Issue{
			MessageID: is.MessageID, SKU: is.SKU, Code: is.Code,
			Severity: strings.ToUpper(is.Severity), Message: is.Message, AttributeName: is.AttributeName,
		})
	}
	return r, nil
}

type xmlReportEnvelope struct {
	XMLName  xml.Name `xml:"AmazonEnvelope"`
	Messages []struct {
		Report struct {
			DocumentTransactionID string `xml:"DocumentTransactionID"`
			StatusCode            string `xml:"StatusCode"`
			Summary               struct {
				Processed   int `xml:"MessagesProcessed"`
				Successful  int `xml:"MessagesSuccessful"`
				WithError   int `xml:"MessagesWithError"`
				WithWarning int `xml:"MessagesWithWarning"`
			} `xml:"ProcessingSummary"`
			Results []struct {
				MessageID         string `xml:"MessageID"`
				ResultCode        string `xml:"ResultCode"`
				ResultMessageCode string `xml:"ResultMessageCode"`
				ResultDescription string `xml:"ResultDescription"`
				AdditionalInfo    struct {
					SKU           string `xml:"SKU"`
					AmazonOrderID string `xml:"AmazonOrderID"`
				} `xml:"AdditionalInfo"`
			} `xml:"Result"`
		} `xml:"ProcessingReport"`
	} `xml:"Message"`
}

func parseXMLReport(data []byte) (*Report, error) {
	var env xmlReportEnvelope
	dec := xml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&env); err != nil {
		return nil, fmt.Errorf("feeds: %w: %v", ErrInvalidReport, err)
	}
	if len(env.Messages) == 0 {
		return nil, fmt.Errorf("feeds: %w: no ProcessingReport message", ErrInvalidReport)
	}
	r := &Report{}
	for _, m := range env.Messages {
		p := m.Report
		if r.FeedID == "" {
			r.FeedID = p.DocumentTransactionID
		}
		r.MessagesProcessed += p.Summary.Processed
		r.MessagesAccepted += p.Summary.Successful
		r.MessagesInvalid += p.Summary.WithError
		for _, res := range p.Results {
			id, _ := strconv.Atoi(strings.TrimSpace(res.MessageID))
			sev := SeverityInfo
			switch strings.ToLower(strings.TrimSpace(res.ResultCode)) {
			case "error", "fatal":
				sev = SeverityError
				r.Errors++
			case "warning":
				sev = SeverityWarning
				r.Warnings++
			}
			r.Issues = append(r.Issues, Issue{
				MessageID: id, SKU: res.AdditionalInfo.SKU, AmazonOrderID: res.AdditionalInfo.AmazonOrderID,
				Code: strings.TrimSpace(res.ResultMessageCode), Severity: sev, Message: strings.TrimSpace(res.ResultDescription),
			})
		}
	}
	return r, nil
}
