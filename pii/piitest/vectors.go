package piitest

import (
	"bytes"
	"database/sql/driver"
	"encoding"
	"encoding/csv"
	"encoding/gob"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"log"
	"log/slog"
	"reflect"
	"strings"
	texttemplate "text/template"

	"github.com/davecgh/go-spew/spew"
	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/rs/zerolog"
	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.yaml.in/yaml/v3"
)

// expectation is the evidence a vector must show, besides leaking nothing,
// when the value sits where the vector can call its methods.
type expectation int

const (
	// showPlaceholder: the output contains the placeholder and no error
	// occurs. JSON encoders belong here because some loggers drop the whole
	// entry when a field fails to encode.
	showPlaceholder expectation = iota
	// refuseOrShow: the encoder fails, or its output contains the placeholder.
	refuseOrShow
	// opaque: the vector never calls methods (reflection, go-spew without
	// methods), so the output only has to be non-empty.
	opaque
)

// errNotApplicable marks a vector that does not apply to a value, such as
// MarshalText on a type without that method.
var errNotApplicable = errors.New("not applicable")

type vector struct {
	name   string
	expect expectation
	// expectFor, when set, decides the expectation from the nested value.
	expectFor func(x any) expectation
	run       func(x any, n nesting) (string, error)
}

// Formats in variables, because vet rightly rejects these calls when it can
// see the format, and the misuse is the case under test.
var (
	wrapFormat    = "failed: %w"
	noVerbsFormat = "no verbs here"
)

func fmtVector(format string, expect expectation) vector {
	return vector{name: "fmt " + format, expect: expect, run: func(x any, _ nesting) (string, error) {
		return fmt.Sprintf(format, x), nil
	}}
}

func vectors() []vector {
	var vs []vector
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%c", "%U", "%t", "%10.3v", "%-8s", "% x"} {
		vs = append(vs, fmtVector(verb, showPlaceholder))
	}
	vs = append(vs,
		fmtVector("%T", opaque),
		fmtVector("%p", opaque),
		vector{name: "fmt.Println", run: func(x any, _ nesting) (string, error) {
			var b bytes.Buffer
			_, err := fmt.Fprintln(&b, x)
			return b.String(), err
		}},
		vector{name: "fmt.Errorf %v", run: func(x any, _ nesting) (string, error) {
			return fmt.Errorf("failed for %v", x).Error(), nil
		}},
		// fmt prints a non-error %w operand without calling its methods.
		vector{name: "fmt.Errorf %w", expect: opaque, run: func(x any, _ nesting) (string, error) {
			return fmt.Errorf(wrapFormat, x).Error(), nil
		}},
		vector{name: "fmt extra argument", run: func(x any, _ nesting) (string, error) {
			return fmt.Sprintf(noVerbsFormat, x), nil
		}},
		vector{name: "fmt of reflect.Value", run: func(x any, _ nesting) (string, error) {
			return fmt.Sprint(reflect.ValueOf(x)), nil
		}},
		vector{name: "reflect.Value.String", expect: opaque, run: func(x any, _ nesting) (string, error) {
			return reflect.ValueOf(x).String(), nil
		}},
		vector{name: "panic", expectFor: panicExpectation, run: func(x any, _ nesting) (string, error) {
			return renderPanic(recoverPanic(x)), nil
		}},
	)
	vs = append(vs, loggerVectors()...)
	vs = append(vs, encoderVectors()...)
	vs = append(vs, toolVectors()...)
	return vs
}

func loggerVectors() []vector {
	vs := []vector{
		{name: "log.Printf %v", run: func(x any, _ nesting) (string, error) {
			var b bytes.Buffer
			log.New(&b, "", 0).Printf("value %v", x)
			return b.String(), nil
		}},
		{name: "log.Print", run: func(x any, _ nesting) (string, error) {
			var b bytes.Buffer
			log.New(&b, "", 0).Print(x)
			return b.String(), nil
		}},
	}

	handlers := []struct {
		name string
		make func(*bytes.Buffer) slog.Handler
	}{
		{"TextHandler", func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) }},
		{"JSONHandler", func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) }},
	}
	uses := []struct {
		name string
		log  func(l *slog.Logger, x any)
	}{
		{"attribute", func(l *slog.Logger, x any) { l.Info("msg", "value", x) }},
		{"slog.Any", func(l *slog.Logger, x any) { l.Info("msg", slog.Any("value", x)) }},
		{"With", func(l *slog.Logger, x any) { l.With("value", x).Info("msg") }},
		{"group", func(l *slog.Logger, x any) { l.Info("msg", slog.Group("g", "value", x)) }},
		{"nested groups", func(l *slog.Logger, x any) { l.Info("msg", slog.Group("g", slog.Group("h", "value", x))) }},
		{"WithGroup", func(l *slog.Logger, x any) { l.WithGroup("g").With("value", x).Info("msg") }},
	}
	for _, h := range handlers {
		for _, u := range uses {
			vs = append(vs, vector{name: "slog " + h.name + " " + u.name, run: func(x any, _ nesting) (string, error) {
				var b bytes.Buffer
				u.log(slog.New(h.make(&b)), x)
				return b.String(), nil
			}})
		}
	}

	for _, enc := range []struct {
		name string
		make func() zapcore.Encoder
	}{
		{"JSON", func() zapcore.Encoder { return zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()) }},
		{"console", func() zapcore.Encoder { return zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig()) }},
	} {
		for _, field := range []struct {
			name string
			make func(any) zap.Field
		}{
			{"zap.Any", func(x any) zap.Field { return zap.Any("value", x) }},
			{"zap.Reflect", func(x any) zap.Field { return zap.Reflect("value", x) }},
		} {
			vs = append(vs, vector{name: "zap " + enc.name + " " + field.name, run: func(x any, _ nesting) (string, error) {
				var b bytes.Buffer
				logger := zap.New(zapcore.NewCore(enc.make(), zapcore.AddSync(&b), zapcore.DebugLevel))
				logger.Info("msg", field.make(x))
				return b.String(), logger.Sync()
			}})
		}
	}

	vs = append(vs,
		vector{name: "zerolog Interface", run: func(x any, _ nesting) (string, error) {
			var b bytes.Buffer
			logger := zerolog.New(&b)
			logger.Info().Interface("value", x).Msg("msg")
			return b.String(), nil
		}},
		vector{name: "zerolog With Interface", run: func(x any, _ nesting) (string, error) {
			var b bytes.Buffer
			logger := zerolog.New(&b).With().Interface("value", x).Logger()
			logger.Info().Msg("msg")
			return b.String(), nil
		}},
	)
	for _, f := range []struct {
		name string
		make func() logrus.Formatter
	}{
		{"text", func() logrus.Formatter { return &logrus.TextFormatter{DisableColors: true, DisableTimestamp: true} }},
		{"JSON", func() logrus.Formatter { return &logrus.JSONFormatter{DisableTimestamp: true} }},
	} {
		vs = append(vs, vector{name: "logrus " + f.name, run: func(x any, _ nesting) (string, error) {
			var b bytes.Buffer
			logger := logrus.New()
			logger.SetOutput(&b)
			logger.SetFormatter(f.make())
			logger.WithField("value", x).Info("msg")
			return b.String(), nil
		}})
	}
	return vs
}

func encoderVectors() []vector {
	return []vector{
		{name: "json.Marshal", run: func(x any, _ nesting) (string, error) {
			b, err := json.Marshal(x)
			return string(b), err
		}},
		{name: "json.MarshalIndent", run: func(x any, _ nesting) (string, error) {
			b, err := json.MarshalIndent(x, "", "  ")
			return string(b), err
		}},
		{name: "json.Encoder", run: func(x any, _ nesting) (string, error) {
			var b bytes.Buffer
			err := json.NewEncoder(&b).Encode(x)
			return b.String(), err
		}},
		{name: "yaml.Marshal", run: func(x any, _ nesting) (string, error) {
			b, err := yaml.Marshal(x)
			return string(b), err
		}},
		{name: "xml.Marshal", expect: refuseOrShow, run: func(x any, _ nesting) (string, error) {
			b, err := xml.Marshal(x)
			return string(b), err
		}},
		{name: "gob", expect: refuseOrShow, run: func(x any, _ nesting) (string, error) {
			var b bytes.Buffer
			err := gob.NewEncoder(&b).Encode(x)
			return b.String(), err
		}},
		{name: "csv of rendered string", run: func(x any, _ nesting) (string, error) {
			var b bytes.Buffer
			w := csv.NewWriter(&b)
			err := w.Write([]string{idValue, fmt.Sprint(x)})
			w.Flush()
			return b.String(), errors.Join(err, w.Error())
		}},
		{name: "MarshalText", expect: refuseOrShow, run: func(x any, _ nesting) (string, error) {
			m, ok := x.(encoding.TextMarshaler)
			if !ok {
				return "", errNotApplicable
			}
			b, err := m.MarshalText()
			return string(b), err
		}},
		{name: "MarshalBinary", expect: refuseOrShow, run: func(x any, _ nesting) (string, error) {
			m, ok := x.(encoding.BinaryMarshaler)
			if !ok {
				return "", errNotApplicable
			}
			b, err := m.MarshalBinary()
			return string(b), err
		}},
		{name: "html/template {{.}}", run: func(x any, _ nesting) (string, error) {
			return execHTML("{{.}}", x)
		}},
		{name: "html/template field", run: func(x any, n nesting) (string, error) {
			if n.field == "" {
				return "", errNotApplicable
			}
			return execHTML("{{."+n.field+"}}", x)
		}},
		{name: "text/template {{.}}", run: func(x any, _ nesting) (string, error) {
			var b strings.Builder
			t, err := texttemplate.New("t").Parse("{{.}}")
			if err == nil {
				err = t.Execute(&b, x)
			}
			return b.String(), err
		}},
		{name: "driver.Valuer", expect: refuseOrShow, run: func(x any, _ nesting) (string, error) {
			v, ok := x.(driver.Valuer)
			if !ok {
				return "", errNotApplicable
			}
			dv, err := v.Value()
			return renderDriverValue(dv), err
		}},
		{name: "database/sql argument conversion", expect: refuseOrShow, run: func(x any, _ nesting) (string, error) {
			dv, err := driver.DefaultParameterConverter.ConvertValue(x)
			return renderDriverValue(dv), err
		}},
		{name: "pgx text", expect: refuseOrShow, run: pgxEncode(pgtype.TextOID, pgtype.TextFormatCode)},
		{name: "pgx bytea", expect: refuseOrShow, run: pgxEncode(pgtype.ByteaOID, pgtype.BinaryFormatCode)},
		{name: "pgx jsonb", expect: refuseOrShow, run: pgxEncode(pgtype.JSONBOID, pgtype.TextFormatCode)},
	}
}

func toolVectors() []vector {
	return []vector{
		{name: "testify assert.Equal diff", run: func(x any, _ nesting) (string, error) {
			t := &captureT{}
			assert.Equal(t, x, reflect.Zero(reflect.TypeOf(x)).Interface())
			return t.String(), nil
		}},
		{name: "testify assert.Equal type mismatch", run: func(x any, _ nesting) (string, error) {
			t := &captureT{}
			assert.Equal(t, x, "another value")
			return t.String(), nil
		}},
		{name: "go-spew Sdump", run: func(x any, _ nesting) (string, error) {
			return spew.Sdump(x), nil
		}},
		{name: "go-spew Sdump without methods", expect: opaque, run: func(x any, _ nesting) (string, error) {
			c := spew.ConfigState{Indent: " ", DisableMethods: true}
			return c.Sdump(x), nil
		}},
		{name: "go-spew Dump without methods", expect: opaque, run: func(x any, _ nesting) (string, error) {
			var b bytes.Buffer
			c := spew.ConfigState{Indent: " ", DisableMethods: true, DisablePointerMethods: true}
			c.Fdump(&b, x)
			return b.String(), nil
		}},
		// go-cmp avoids String when both sides print the same, as two
		// placeholders do, and shows the fields instead.
		{name: "go-cmp Diff", expect: opaque, run: func(x any, _ nesting) (string, error) {
			allow := cmp.Exporter(func(reflect.Type) bool { return true })
			return cmp.Diff(x, reflect.Zero(reflect.TypeOf(x)).Interface(), allow), nil
		}},
	}
}

func execHTML(text string, x any) (string, error) {
	var b strings.Builder
	t, err := htmltemplate.New("t").Parse(text)
	if err == nil {
		err = t.Execute(&b, x)
	}
	return b.String(), err
}

func pgxEncode(oid uint32, format int16) func(any, nesting) (string, error) {
	return func(x any, _ nesting) (string, error) {
		b, err := pgtype.NewMap().Encode(oid, format, x, nil)
		return string(b), err
	}
}

// renderDriverValue prints a driver.Value so that bytes show as text, which
// is how they would reach a column.
func renderDriverValue(v driver.Value) string {
	switch v := v.(type) {
	case nil:
		return ""
	case []byte:
		return string(v)
	case string:
		return v
	default:
		return fmt.Sprintf("%v", v)
	}
}

// captureT collects what testify reports.
type captureT struct{ strings.Builder }

func (t *captureT) Errorf(format string, args ...any) { fmt.Fprintf(&t.Builder, format, args...) }

func recoverPanic(x any) (r any) {
	defer func() { r = recover() }()
	panic(x)
}

// renderPanic prints a recovered panic value as the Go runtime prints an
// unrecovered one: errors and fmt.Stringers through their methods, values of
// basic kinds (named or not) as themselves, anything else as its type and
// address.
func renderPanic(r any) string {
	switch r := r.(type) {
	case error:
		return "panic: " + r.Error()
	case fmt.Stringer:
		return "panic: " + r.String()
	}
	v := reflect.ValueOf(r)
	switch v.Kind() {
	case reflect.String:
		return fmt.Sprintf("panic: %s(%q)", v.Type(), v.String())
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return fmt.Sprintf("panic: %s(%v)", v.Type(), v)
	}
	return fmt.Sprintf("panic: (%s) %p", v.Type(), &r)
}

func panicExpectation(x any) expectation {
	switch x.(type) {
	case error, fmt.Stringer:
		return showPlaceholder
	}
	return opaque
}
