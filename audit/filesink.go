package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// SyncPolicy selects when a FileSink calls fsync.
type SyncPolicy int

// The fsync policies.
const (
	// SyncEachAppend calls fsync before Append returns, so that a stored
	// event survives a power cut. It is the default.
	SyncEachAppend SyncPolicy = iota
	// SyncInterval calls fsync every FileConfig.SyncInterval. Up to one
	// interval of events can be lost in a power cut, but not in a crash of
	// the process alone.
	SyncInterval
	// SyncNone leaves flushing to the operating system.
	SyncNone
)

// Defaults of FileConfig.
const (
	DefaultMaxFileSize   = 64 << 20
	DefaultSyncInterval  = time.Second
	DefaultCheckInterval = 10 * time.Millisecond
)

// FileConfig configures a FileSink. Path is required; the zero value of
// every other field selects the default given on it.
type FileConfig struct {
	// Path is the active file. Its directory must exist. Rotated files sit
	// beside it as Path + "." + the last sequence number they hold, padded
	// to 20 digits, so that they sort in chain order.
	Path string
	// MaxSize is the size in bytes past which the active file is rotated
	// before the next append. Default DefaultMaxFileSize.
	MaxSize int64
	// Sync is the fsync policy. Default SyncEachAppend.
	Sync SyncPolicy
	// SyncInterval is the fsync period under SyncInterval. Default
	// DefaultSyncInterval.
	SyncInterval time.Duration
	// CheckInterval is how often Append checks that Path still names the
	// open file, a stat call. Default DefaultCheckInterval; a negative value
	// checks before every append. Entries appended between a deletion of the
	// file and the next check are lost with the deleted file. After a rename
	// they are in the renamed file.
	CheckInterval time.Duration
	// Perm is the mode of new files. Default 0600.
	Perm fs.FileMode
	// Logger receives reopen, repair and sync events. Default: discard.
	Logger *slog.Logger
}

// FileSink stores entries as JSON lines (AppendJSONLine) in a file, and
// serves as a primary Sink or a Secondary.
//
// Before an append, at most every FileConfig.CheckInterval, it checks that
// Path still names the open file. When the file was renamed (for example by
// logrotate) or deleted, it opens a new file at Path and continues the chain
// there. At open, and after a failed
// write, it reads the chain head back from the last line on disk and cuts off
// a last line that a crash left without its newline.
//
// One process writes one file: OpenFile takes an exclusive lock on
// Path + ".lock" and fails if another FileSink holds it. Use the PostgreSQL
// sink for several processes. A FileSink is safe for concurrent use.
type FileSink struct {
	cfg FileConfig
	log *slog.Logger

	mu      sync.Mutex
	f       *os.File
	info    fs.FileInfo // of f, to tell whether Path still names it
	size    int64
	head    Link
	dirty   bool      // written since the last fsync
	broken  bool      // a write failed; read the head back before the next one
	checked time.Time // when Path was last compared with the open file
	closed  bool
	buf     []byte
	lock    *os.File

	stopSync chan struct{}
	syncDone chan struct{}
}

// OpenFile opens or creates the file sink at cfg.Path and reads its chain
// head back from the last entry on disk.
func OpenFile(cfg FileConfig) (*FileSink, error) {
	if cfg.Path == "" {
		return nil, errors.New("audit: FileConfig.Path is required")
	}
	if cfg.MaxSize < 0 || cfg.SyncInterval < 0 {
		return nil, errors.New("audit: FileConfig.MaxSize and SyncInterval must not be negative")
	}
	if cfg.Sync < SyncEachAppend || cfg.Sync > SyncNone {
		return nil, fmt.Errorf("audit: FileConfig.Sync %d is not a SyncPolicy", cfg.Sync)
	}
	if cfg.MaxSize == 0 {
		cfg.MaxSize = DefaultMaxFileSize
	}
	if cfg.SyncInterval == 0 {
		cfg.SyncInterval = DefaultSyncInterval
	}
	if cfg.CheckInterval == 0 {
		cfg.CheckInterval = DefaultCheckInterval
	}
	if cfg.Perm == 0 {
		cfg.Perm = 0o600
	}
	s := &FileSink{cfg: cfg, log: cfg.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}

	lock, err := lockFile(cfg.Path+".lock", cfg.Perm)
	if err != nil {
		return nil, err
	}
	s.lock = lock
	if err := s.open(); err != nil {
		lock.Close()
		return nil, err
	}
	if err := s.recoverHead(); err != nil {
		s.f.Close()
		lock.Close()
		return nil, err
	}
	if cfg.Sync == SyncInterval {
		s.stopSync = make(chan struct{})
		s.syncDone = make(chan struct{})
		go s.runSync()
	}
	return s, nil
}

func (s *FileSink) open() error {
	f, err := os.OpenFile(s.cfg.Path, os.O_RDWR|os.O_CREATE|os.O_APPEND, s.cfg.Perm)
	if err != nil {
		return fmt.Errorf("audit: open file sink: %w", err)
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("audit: stat file sink %s: %w", s.cfg.Path, err)
	}
	s.f, s.info, s.size = f, info, info.Size()
	return nil
}

// recoverHead sets the head from the last entry of the active file or, when
// that file is empty, of the newest rotated file. If neither holds an entry
// the in-memory head is kept: after the active file was deleted, the chain
// continues from the last entry this sink wrote.
func (s *FileSink) recoverHead() error {
	last, err := repairTail(s.f, s.log)
	if err != nil {
		return err
	}
	if st, err := s.f.Stat(); err == nil {
		s.size = st.Size()
	}
	if last == nil {
		rotated, err := rotatedFiles(s.cfg.Path)
		if err != nil {
			return err
		}
		if len(rotated) > 0 {
			f, err := os.Open(rotated[len(rotated)-1])
			if err != nil {
				return fmt.Errorf("audit: open rotated file: %w", err)
			}
			last, err = lastLine(f)
			f.Close()
			if err != nil {
				return err
			}
		}
	}
	if last == nil {
		return nil
	}
	e, err := ParseJSONLine(last)
	if err != nil {
		return fmt.Errorf("audit: file sink %s ends with an entry that cannot be read, so the chain cannot continue; move the file aside: %w", s.cfg.Path, err)
	}
	s.head = e.link()
	return nil
}

// repairTail cuts off a last line without its newline, which only a write
// cut short leaves, and returns the last complete line or nil.
func repairTail(f *os.File, log *slog.Logger) ([]byte, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("audit: stat file sink: %w", err)
	}
	size := st.Size()
	if size == 0 {
		return nil, nil
	}
	n := min(size, int64(2*MaxLineSize))
	tail := make([]byte, n)
	if _, err := f.ReadAt(tail, size-n); err != nil && err != io.EOF {
		return nil, fmt.Errorf("audit: read file sink tail: %w", err)
	}
	if tail[len(tail)-1] != '\n' {
		cut := bytes.LastIndexByte(tail, '\n')
		if cut < 0 && n < size {
			return nil, fmt.Errorf("audit: file sink %s ends with %d bytes or more without a newline; move the file aside", f.Name(), n)
		}
		keep := size - n + int64(cut) + 1
		if err := f.Truncate(keep); err != nil {
			return nil, fmt.Errorf("audit: cut partial last line of %s: %w", f.Name(), err)
		}
		log.Warn("audit: cut a partial last line from the file sink",
			slog.String("path", f.Name()), slog.Int64("bytes", size-keep))
		tail = tail[:cut+1]
	}
	return lastCompleteLine(tail), nil
}

// lastLine returns the last newline-terminated line of f, or nil.
func lastLine(f *os.File) ([]byte, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	n := min(st.Size(), int64(2*MaxLineSize))
	tail := make([]byte, n)
	if _, err := f.ReadAt(tail, st.Size()-n); err != nil && err != io.EOF {
		return nil, fmt.Errorf("audit: read %s: %w", f.Name(), err)
	}
	return lastCompleteLine(tail), nil
}

func lastCompleteLine(tail []byte) []byte {
	if len(tail) == 0 || tail[len(tail)-1] != '\n' {
		return nil
	}
	start := bytes.LastIndexByte(tail[:len(tail)-1], '\n') + 1
	return tail[start:]
}

// Append chains entries after the head and writes them with one write call,
// rotating and reopening the file first when needed.
func (s *FileSink) Append(ctx context.Context, kr *Keyring, entries []Entry) error {
	return s.write(ctx, kr, entries)
}

// Write stores entries as given, for use as a Secondary.
func (s *FileSink) Write(ctx context.Context, entries []Entry) error {
	return s.write(ctx, nil, entries)
}

func (s *FileSink) write(ctx context.Context, kr *Keyring, entries []Entry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("audit: file sink is closed")
	}
	if err := s.ensureFile(); err != nil {
		return err
	}

	head := s.head
	buf := s.buf[:0]
	for i := range entries {
		e := &entries[i]
		if kr != nil {
			var err error
			if head, err = kr.Chain(head, e); err != nil {
				return err
			}
		} else {
			head = e.link()
		}
		buf = AppendJSONLine(buf, e)
	}
	if cap(buf) <= 1<<20 {
		s.buf = buf
	}

	if s.size > 0 && s.size+int64(len(buf)) > s.cfg.MaxSize {
		if err := s.rotate(); err != nil {
			return err
		}
	}
	n, err := s.f.Write(buf)
	s.size += int64(n)
	if err != nil {
		s.broken = true
		return fmt.Errorf("audit: write file sink %s: %w", s.cfg.Path, err)
	}
	s.dirty = true
	if s.cfg.Sync == SyncEachAppend {
		if err := s.f.Sync(); err != nil {
			s.broken = true
			return fmt.Errorf("audit: fsync file sink %s: %w", s.cfg.Path, err)
		}
		s.dirty = false
	}
	s.head = head
	return nil
}

// ensureFile reopens Path when it no longer names the open file, and reads
// the head back after a failed write.
func (s *FileSink) ensureFile() error {
	if s.cfg.CheckInterval > 0 && !s.broken {
		now := time.Now()
		if now.Sub(s.checked) < s.cfg.CheckInterval {
			return nil
		}
		s.checked = now
	}
	st, err := os.Stat(s.cfg.Path)
	switch {
	case err == nil && os.SameFile(st, s.info):
	case err == nil || errors.Is(err, fs.ErrNotExist):
		reason := "renamed"
		if err != nil {
			reason = "deleted"
		}
		s.log.Warn("audit: file sink was moved away; opening a new file",
			slog.String("path", s.cfg.Path), slog.String("reason", reason))
		old := s.f
		if s.dirty {
			_ = old.Sync()
		}
		if err := s.open(); err != nil {
			s.f = old
			return err
		}
		old.Close()
		s.dirty = false
	default:
		return fmt.Errorf("audit: stat file sink: %w", err)
	}
	if s.broken {
		if err := s.recoverHead(); err != nil {
			return err
		}
		s.broken = false
	}
	return nil
}

// rotate renames the active file after the last sequence number it holds and
// opens a new one.
func (s *FileSink) rotate() error {
	if err := s.f.Sync(); err != nil {
		return fmt.Errorf("audit: fsync before rotation: %w", err)
	}
	s.dirty = false
	target := fmt.Sprintf("%s.%020d", s.cfg.Path, s.head.Seq)
	if _, err := os.Stat(target); err == nil {
		return fmt.Errorf("audit: rotate file sink: %s already exists", target)
	}
	if err := os.Rename(s.cfg.Path, target); err != nil {
		return fmt.Errorf("audit: rotate file sink: %w", err)
	}
	old := s.f
	if err := s.open(); err != nil {
		s.f = old
		return err
	}
	old.Close()
	syncDir(filepath.Dir(s.cfg.Path))
	return nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// Head returns the link of the last stored entry.
func (s *FileSink) Head(ctx context.Context) (Link, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.head, nil
}

// Sync flushes written entries to disk.
func (s *FileSink) Sync() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.syncLocked()
}

func (s *FileSink) syncLocked() error {
	if !s.dirty || s.closed {
		return nil
	}
	if err := s.f.Sync(); err != nil {
		s.broken = true
		return fmt.Errorf("audit: fsync file sink %s: %w", s.cfg.Path, err)
	}
	s.dirty = false
	return nil
}

func (s *FileSink) runSync() {
	defer close(s.syncDone)
	ticker := time.NewTicker(s.cfg.SyncInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ticker.C:
			if err := s.Sync(); err != nil {
				s.log.Error("audit: periodic fsync failed", slog.String("error", err.Error()))
			}
		case <-s.stopSync:
			return
		}
	}
}

// Close flushes and closes the file and releases the lock.
func (s *FileSink) Close() error {
	if s.stopSync != nil {
		s.mu.Lock()
		stop := !s.closed
		s.mu.Unlock()
		if stop {
			close(s.stopSync)
			<-s.syncDone
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	err := s.syncLocked()
	s.closed = true
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	s.lock.Close()
	return err
}

// Files returns the rotated files in chain order, then the active file.
func (s *FileSink) Files() ([]string, error) {
	rotated, err := rotatedFiles(s.cfg.Path)
	if err != nil {
		return nil, err
	}
	return append(rotated, s.cfg.Path), nil
}

// All returns the entries of Files, in order, for Verify.
func (s *FileSink) All() iter.Seq2[Entry, error] {
	files, err := s.Files()
	if err != nil {
		return func(yield func(Entry, error) bool) { yield(Entry{}, err) }
	}
	return ReadFiles(files...)
}

// DeleteThrough deletes rotated files whose entries all have Seq <= seq and
// returns how many entries they held. The active file is never deleted. Use
// Prune, which checks the retention period, rather than calling it directly.
func (s *FileSink) DeleteThrough(ctx context.Context, seq uint64) (int64, error) {
	rotated, err := rotatedFiles(s.cfg.Path)
	if err != nil {
		return 0, err
	}
	var deleted int64
	for _, name := range rotated {
		if err := ctx.Err(); err != nil {
			return deleted, err
		}
		last, _ := strconv.ParseUint(name[len(name)-20:], 10, 64)
		if last > seq {
			break
		}
		n, err := countLines(name)
		if err != nil {
			return deleted, err
		}
		if err := os.Remove(name); err != nil {
			return deleted, fmt.Errorf("audit: delete rotated file: %w", err)
		}
		deleted += n
	}
	return deleted, nil
}

func countLines(name string) (int64, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return 0, fmt.Errorf("audit: read rotated file: %w", err)
	}
	return int64(bytes.Count(data, []byte{'\n'})), nil
}

// rotatedFiles lists path's rotated files in chain order.
func rotatedFiles(path string) ([]string, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("audit: list rotated files: %w", err)
	}
	var out []string
	for _, de := range ents {
		suffix, ok := strings.CutPrefix(de.Name(), base+".")
		if !ok || len(suffix) != 20 || strings.Trim(suffix, "0123456789") != "" {
			continue
		}
		out = append(out, filepath.Join(dir, de.Name()))
	}
	slices.Sort(out)
	return out, nil
}

// ReadFiles returns the entries of the JSON lines files in the order given,
// as one sequence for Verify. A missing file is an error.
func ReadFiles(paths ...string) iter.Seq2[Entry, error] {
	return func(yield func(Entry, error) bool) {
		for _, p := range paths {
			f, err := os.Open(p)
			if err != nil {
				yield(Entry{}, fmt.Errorf("audit: open %s: %w", p, err))
				return
			}
			ok := true
			for e, err := range ReadEntries(f) {
				if err != nil {
					var le *LineError
					if errors.As(err, &le) {
						err = &LineError{Line: le.Line, Err: fmt.Errorf("%s: %w", p, le.Err)}
					}
				}
				if !yield(e, err) || err != nil {
					ok = false
					break
				}
			}
			f.Close()
			if !ok {
				return
			}
		}
	}
}
