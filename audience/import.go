package audience

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/rapportkit/rapport/providers"
)

// Format is an input format of the importer.
type Format int

// Formats.
const (
	// FormatAuto reads JSON Lines when the first non-blank character is
	// "{", CSV otherwise.
	FormatAuto Format = iota
	FormatCSV
	FormatJSONLines
)

// Issue is a problem found in one input record. A rejected record has one
// Issue with Rejected set: the record was not imported. Other issues are
// warnings: the named value was dropped and the rest of the record kept.
type Issue struct {
	// Line is the physical line (1-based) where the record starts; a CSV
	// record with quoted line breaks spans several lines.
	Line int `json:"line"`
	// Field is the column header (CSV) or key (JSON Lines) as written in
	// the input, or "" when the issue concerns the whole record.
	Field    string `json:"field,omitempty"`
	Reason   string `json:"reason"`
	Rejected bool   `json:"rejected"`
}

// String formats the issue as "line 7: Email: invalid email ...".
func (i Issue) String() string {
	if i.Field == "" {
		return "line " + strconv.Itoa(i.Line) + ": " + i.Reason
	}
	return "line " + strconv.Itoa(i.Line) + ": " + i.Field + ": " + i.Reason
}

// Column is how one input column was read.
type Column struct {
	Header string `json:"header"`
	Field  Field  `json:"field"`
}

// Report sums up an import.
type Report struct {
	// Read counts records (CSV rows or JSON lines after the header, blank
	// lines excluded).
	Read int `json:"read"`
	// Kept counts records imported (Read = Kept + Rejected).
	Kept     int `json:"kept"`
	Rejected int `json:"rejected"`
	// Duplicates counts kept records merged into an earlier customer with
	// the same id, email or phone (ReadAll only; Customers = Kept -
	// Duplicates).
	Duplicates int `json:"duplicates"`
	// Customers is the number of distinct customers (ReadAll only).
	Customers int `json:"customers"`
	// WarningCount counts warnings (dropped values in kept records).
	WarningCount int `json:"warning_count"`
	// Rejects and Warnings list the issues in input order, up to the cap
	// set by WithMaxIssues.
	Rejects  []Issue `json:"rejects"`
	Warnings []Issue `json:"warnings"`
	// Columns lists the CSV columns read and the field each one fed.
	Columns []Column `json:"columns,omitempty"`
	// Ignored lists headers (or JSON keys) that no field was found for.
	Ignored []string `json:"ignored,omitempty"`
}

// Record is one input record after normalization.
type Record struct {
	Line     int
	Customer Customer
	// Issues are the record's warnings, or its one reject.
	Issues   []Issue
	Rejected bool

	ignored []string
}

// Importer reads customer lists. It is safe for concurrent use.
type Importer struct {
	cfg    *config
	phones *PhoneNormalizer
}

// NewImporter returns an importer configured by opts.
func NewImporter(opts ...Option) (*Importer, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	pn, err := NewPhoneNormalizer(cfg.region, cfg.phoneCheck)
	if err != nil {
		return nil, err
	}
	return &Importer{cfg: cfg, phones: pn}, nil
}

// Import reads r and calls keep for every imported customer, in input
// order, without holding more than a few thousand records in memory. It
// returns the report; an error from keep, a read error, a header that
// cannot be used or ctx's end stops it. Duplicates are not merged (see
// ReadAll).
func (im *Importer) Import(ctx context.Context, r io.Reader, keep func(Customer) error) (Report, error) {
	var rep Report
	for rec, err := range im.records(ctx, r, &rep) {
		if err != nil {
			return rep, err
		}
		im.account(&rep, &rec)
		if !rec.Rejected && keep != nil {
			if err := keep(rec.Customer); err != nil {
				return rep, err
			}
		}
	}
	im.cfg.logger.Debug("audience: import done", "read", rep.Read, "kept", rep.Kept, "rejected", rep.Rejected)
	return rep, nil
}

// Records streams the records of r, rejected ones included, in input
// order. A fatal error (unreadable header, read error, ctx's end) is
// yielded once and ends the sequence.
func (im *Importer) Records(ctx context.Context, r io.Reader) iter.Seq2[Record, error] {
	return im.records(ctx, r, nil)
}

// ReadAll imports r and merges duplicates: a record with the same id,
// email or phone as an earlier customer is merged into it (identifiers,
// handles, tags and websites are united; empty attributes filled; the
// higher value and the later purchase kept), and a warning says so.
func (im *Importer) ReadAll(ctx context.Context, r io.Reader) ([]Customer, Report, error) {
	var list CustomerList
	var rep Report
	for rec, err := range im.records(ctx, r, &rep) {
		if err != nil {
			return list.Customers(), rep, err
		}
		im.account(&rep, &rec)
		if rec.Rejected {
			continue
		}
		if into, how, merged := list.Add(rec.Customer); merged {
			rep.Duplicates++
			im.issue(&rep, Issue{Line: rec.Line, Reason: fmt.Sprintf(
				"duplicate of the customer on line %d (same %s): merged", into.Line, how)})
		}
	}
	rep.Customers = list.Len()
	im.cfg.logger.Debug("audience: import done", "read", rep.Read, "kept", rep.Kept,
		"rejected", rep.Rejected, "duplicates", rep.Duplicates)
	return list.Customers(), rep, nil
}

func (im *Importer) account(rep *Report, rec *Record) {
	rep.Read++
	if rec.Rejected {
		rep.Rejected++
	} else {
		rep.Kept++
	}
	for _, is := range rec.Issues {
		im.issue(rep, is)
	}
	for _, k := range rec.ignored {
		if !slices.Contains(rep.Ignored, k) {
			rep.Ignored = append(rep.Ignored, k)
		}
	}
}

func (im *Importer) issue(rep *Report, is Issue) {
	if is.Rejected {
		if len(rep.Rejects) < im.cfg.maxIssues {
			rep.Rejects = append(rep.Rejects, is)
		}
	} else {
		rep.WarningCount++
		if len(rep.Warnings) < im.cfg.maxIssues {
			rep.Warnings = append(rep.Warnings, is)
		}
	}
	if im.cfg.onIssue != nil {
		im.cfg.onIssue(is)
	}
}

// rawRow is one record as read, before normalization.
type rawRow struct {
	line   int
	vals   []string // CSV cells
	json   []byte   // a JSON line
	reject string   // set when the record could not be read
}

// rowSource yields raw rows.
type rowSource interface {
	next() (rawRow, error) // io.EOF at the end
}

const batchSize = 512

func (im *Importer) records(ctx context.Context, r io.Reader, rep *Report) iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		br := bufio.NewReaderSize(r, 1<<16)
		skipBOM(br)
		format := im.cfg.format
		if format == FormatAuto {
			format = sniffFormat(br)
		}
		var src rowSource
		var cols []column
		switch format {
		case FormatJSONLines:
			src = &jsonSource{br: br}
		default:
			cs, c, err := im.newCSVSource(br)
			if err != nil {
				yield(Record{}, err)
				return
			}
			src, cols = cs, c
			if rep != nil {
				for _, c := range cols {
					if c.field != "" {
						rep.Columns = append(rep.Columns, Column{Header: c.header, Field: c.field})
					} else {
						rep.Ignored = append(rep.Ignored, c.header)
					}
				}
			}
		}
		if im.cfg.workers <= 1 {
			for {
				if err := ctx.Err(); err != nil {
					yield(Record{}, err)
					return
				}
				row, err := src.next()
				if err == io.EOF {
					return
				}
				if err != nil {
					yield(Record{}, err)
					return
				}
				if !yield(im.build(row, cols), nil) {
					return
				}
			}
		}
		im.parallel(ctx, src, cols, yield)
	}
}

// parallel normalizes batches of rows on cfg.workers goroutines and yields
// them in input order.
func (im *Importer) parallel(ctx context.Context, src rowSource, cols []column, yield func(Record, error) bool) {
	type job struct {
		rows []rawRow
		// cells holds the rows' CSV cells: the reader reuses its own.
		cells []string
		out   []Record
		err   error
		done  chan struct{}
	}
	// Jobs are recycled once their records are yielded, so that a large
	// import does not allocate a batch of records and cells per batch.
	free := make(chan *job, 3*im.cfg.workers+2)
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	jobs := make(chan *job)
	ordered := make(chan *job, im.cfg.workers*2)
	for range im.cfg.workers {
		wg.Go(func() {
			for j := range jobs {
				if cap(j.out) >= len(j.rows) {
					j.out = j.out[:len(j.rows)]
				} else {
					j.out = make([]Record, len(j.rows))
				}
				for i, row := range j.rows {
					j.out[i] = im.build(row, cols)
				}
				close(j.done)
			}
		})
	}
	wg.Go(func() {
		defer close(ordered)
		defer close(jobs)
		for {
			var j *job
			select {
			case j = <-free:
				j.rows, j.cells, j.done = j.rows[:0], j.cells[:0], make(chan struct{})
			default:
				j = &job{done: make(chan struct{}), rows: make([]rawRow, 0, batchSize)}
			}
			var readErr error
			for len(j.rows) < batchSize {
				row, err := src.next()
				if err != nil {
					readErr = err
					break
				}
				if row.vals != nil {
					at := len(j.cells)
					j.cells = append(j.cells, row.vals...)
					row.vals = j.cells[at:len(j.cells):len(j.cells)]
				}
				j.rows = append(j.rows, row)
			}
			if ctx.Err() != nil {
				return
			}
			if len(j.rows) > 0 {
				select {
				case ordered <- j:
				case <-ctx.Done():
					return
				}
				select {
				case jobs <- j:
				case <-ctx.Done():
					return
				}
			}
			if readErr != nil {
				if readErr != io.EOF {
					e := &job{err: readErr, done: make(chan struct{})}
					close(e.done)
					select {
					case ordered <- e:
					case <-ctx.Done():
					}
				}
				return
			}
		}
	})
	for j := range ordered {
		select {
		case <-j.done:
		case <-ctx.Done():
			yield(Record{}, ctx.Err())
			return
		}
		if j.err != nil {
			yield(Record{}, j.err)
			return
		}
		for _, rec := range j.out {
			if !yield(rec, nil) {
				return
			}
		}
		clear(j.out)
		select {
		case free <- j:
		default:
		}
		if err := ctx.Err(); err != nil {
			yield(Record{}, err)
			return
		}
	}
	if err := ctx.Err(); err != nil {
		yield(Record{}, err)
	}
}

func skipBOM(br *bufio.Reader) {
	if b, err := br.Peek(3); err == nil && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		_, _ = br.Discard(3)
	}
}

func sniffFormat(br *bufio.Reader) Format {
	b, _ := br.Peek(4096)
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) > 0 && b[0] == '{' {
		return FormatJSONLines
	}
	return FormatCSV
}

// sniffSeparator picks the separator that occurs most often, outside
// quotes, in the header line.
func sniffSeparator(br *bufio.Reader) rune {
	b, _ := br.Peek(1 << 16)
	counts := map[byte]int{}
	inQuote := false
	for _, c := range b {
		if c == '"' {
			inQuote = !inQuote
			continue
		}
		if inQuote {
			continue
		}
		if c == '\n' {
			break
		}
		switch c {
		case ',', ';', '\t', '|':
			counts[c]++
		}
	}
	best, bestN := byte(','), 0
	for _, c := range []byte{',', ';', '\t', '|'} {
		if counts[c] > bestN {
			best, bestN = c, counts[c]
		}
	}
	return rune(best)
}

// column is one CSV column.
type column struct {
	header string
	field  Field
}

type csvSource struct {
	r    *csv.Reader
	cols int
}

// ErrNoIdentifierColumn means the header names no column the importer can
// identify a customer by.
var ErrNoIdentifierColumn = errors.New("audience: no column holds an email, phone, handle or name")

func (im *Importer) newCSVSource(br *bufio.Reader) (*csvSource, []column, error) {
	sep := im.cfg.separator
	if sep == 0 {
		sep = sniffSeparator(br)
	}
	r := csv.NewReader(br)
	r.Comma = sep
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err == io.EOF {
		return nil, nil, fmt.Errorf("audience: empty input: no header line")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("audience: reading the header: %w", err)
	}
	cols := make([]column, len(header))
	identifying := false
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		cols[i].header = h
		f, ok := lookupColumn(im.cfg.columns, headerKey(h))
		if !ok || f == FieldIgnore {
			continue
		}
		cols[i].field = f
		switch f {
		case FieldEmail, FieldPhone, FieldName, FieldFirstName, FieldLastName, FieldEmailHash, FieldPhoneHash:
			identifying = true
		default:
			identifying = identifying || f.Platform() != ""
		}
	}
	if !identifying {
		return nil, nil, fmt.Errorf("%w (line 1 has %q)", ErrNoIdentifierColumn, header)
	}
	// Rows are built before the next one is read, or copied: the reader
	// may reuse its slice of cells.
	r.ReuseRecord = true
	return &csvSource{r: r, cols: len(header)}, cols, nil
}

func (s *csvSource) next() (rawRow, error) {
	rec, err := s.r.Read()
	if err == io.EOF {
		return rawRow{}, io.EOF
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			reason := pe.Err.Error()
			if pe.Line != pe.StartLine {
				reason += fmt.Sprintf(" (line %d, column %d)", pe.Line, pe.Column)
			} else {
				reason += fmt.Sprintf(" (column %d)", pe.Column)
			}
			return rawRow{line: pe.StartLine, reject: reason}, nil
		}
		return rawRow{}, fmt.Errorf("audience: reading CSV: %w", err)
	}
	line, _ := s.r.FieldPos(0)
	if len(rec) != s.cols {
		extraEmpty := len(rec) > s.cols
		for _, v := range rec[min(len(rec), s.cols):] {
			if strings.TrimSpace(v) != "" {
				extraEmpty = false
			}
		}
		if !extraEmpty {
			return rawRow{line: line, reject: fmt.Sprintf("record has %d fields, header has %d", len(rec), s.cols)}, nil
		}
		rec = rec[:s.cols]
	}
	return rawRow{line: line, vals: rec}, nil
}

// maxJSONLine is the longest JSON line accepted.
const maxJSONLine = 1 << 20

type jsonSource struct {
	br   *bufio.Reader
	line int
}

func (s *jsonSource) next() (rawRow, error) {
	for {
		s.line++
		var buf []byte
		tooLong := false
		for {
			chunk, err := s.br.ReadSlice('\n')
			if len(buf)+len(chunk) <= maxJSONLine {
				buf = append(buf, chunk...)
			} else {
				tooLong = true
			}
			if err == bufio.ErrBufferFull {
				continue
			}
			if err == io.EOF {
				if len(buf) == 0 && !tooLong {
					return rawRow{}, io.EOF
				}
				break
			}
			if err != nil {
				return rawRow{}, fmt.Errorf("audience: reading JSON Lines: %w", err)
			}
			break
		}
		if tooLong {
			return rawRow{line: s.line, reject: fmt.Sprintf("line longer than %d bytes", maxJSONLine)}, nil
		}
		if len(bytes.TrimSpace(buf)) == 0 {
			continue
		}
		return rawRow{line: s.line, json: buf}, nil
	}
}

// fieldValue is one value of a record bound for a field.
type fieldValue struct {
	name  string // header or key as written
	field Field
	value string
}

// build turns a raw row into a record.
func (im *Importer) build(row rawRow, cols []column) Record {
	rec := Record{Line: row.line}
	if row.reject != "" {
		return im.rejectRecord(rec, Issue{Line: row.line, Reason: row.reject, Rejected: true})
	}
	var b customerBuilder
	b.init(im, row.line)
	if row.json != nil {
		vals, ignored, err := im.jsonValues(row.json)
		if err != nil {
			return im.rejectRecord(rec, Issue{Line: row.line, Reason: err.Error(), Rejected: true})
		}
		rec.ignored = ignored
		for _, v := range vals {
			b.add(v.name, v.field, v.value)
		}
	} else {
		for i, v := range row.vals {
			if cols[i].field != "" {
				b.add(cols[i].header, cols[i].field, v)
			}
		}
	}
	return b.finish(rec)
}

func (im *Importer) rejectRecord(rec Record, is Issue) Record {
	rec.Rejected = true
	rec.Issues = []Issue{is}
	return rec
}

// customerBuilder accumulates one record's values.
type customerBuilder struct {
	im          *Importer
	c           Customer
	first, last string
	warnings    []Issue
	// firstBadID is the first invalid value of an identifying field,
	// firstBad the first invalid value.
	firstBadID, firstBad Issue
}

func (b *customerBuilder) init(im *Importer, line int) {
	b.im = im
	b.c.Line = line
}

func (b *customerBuilder) bad(name string, identifying bool, err error) {
	is := Issue{Line: b.c.Line, Field: name, Reason: err.Error()}
	b.warnings = append(b.warnings, is)
	if b.firstBad.Reason == "" {
		b.firstBad = is
	}
	if identifying && b.firstBadID.Reason == "" {
		b.firstBadID = is
	}
}

func (b *customerBuilder) add(name string, f Field, raw string) {
	v := strings.TrimSpace(raw)
	if v == "" {
		return
	}
	c := &b.c
	cfg := b.im.cfg
	switch f {
	case FieldID:
		c.ID = v
	case FieldEmail:
		for _, part := range splitList(v, ";, \t\n") {
			e, err := NormalizeEmail(part, cfg.gmail)
			if err != nil {
				b.bad(name, true, err)
				continue
			}
			c.Emails = appendUnique(c.Emails, e)
		}
	case FieldPhone:
		for _, part := range splitList(v, ";,\n") {
			p, err := b.im.phones.Normalize(part)
			if err != nil {
				b.bad(name, true, err)
				continue
			}
			c.Phones = appendUnique(c.Phones, p)
		}
	case FieldEmailHash, FieldPhoneHash:
		for _, part := range splitList(v, ";, \t\n") {
			if !isHexHash(part) {
				b.bad(name, true, fmt.Errorf("invalid SHA-256 hex digest %q", part))
				continue
			}
			h := strings.ToLower(part)
			if f == FieldEmailHash {
				c.addHash(FieldEmail, h)
			} else {
				c.addHash(FieldPhone, h)
			}
		}
	case FieldName:
		if c.Name == "" {
			c.Name = collapseSpace(v)
		}
	case FieldFirstName:
		b.first = collapseSpace(v)
	case FieldLastName:
		b.last = collapseSpace(v)
	case FieldCompany:
		c.Company = collapseSpace(v)
	case FieldCity:
		c.City = collapseSpace(v)
	case FieldCountry:
		c.Country = normalizeCountry(v)
	case FieldWebsite:
		for _, part := range splitList(v, ";, \t\n") {
			if h, ok := ParseProfileURL(part); ok && h.Platform != providers.Mastodon {
				c.Handles = appendHandle(c.Handles, h)
				continue
			}
			w, err := NormalizeWebsite(part)
			if err != nil {
				b.bad(name, false, err)
				continue
			}
			c.Websites = appendUnique(c.Websites, w)
		}
	case FieldTags:
		for _, t := range splitList(v, ",;|\n") {
			c.Tags = appendUniqueFold(c.Tags, t)
		}
	case FieldValue:
		x, err := parseMoney(v)
		if err != nil {
			b.bad(name, false, err)
			return
		}
		c.Value = x
	case FieldLastPurchase:
		t, err := parseDate(v, cfg.dayFirst)
		if err != nil {
			b.bad(name, false, err)
			return
		}
		c.LastPurchase = t
	default:
		p := f.Platform()
		if p == "" {
			return
		}
		for _, part := range splitList(v, ", \t\n") {
			h, err := NormalizeHandle(p, part)
			if err != nil {
				b.bad(name, true, err)
				continue
			}
			c.Handles = appendHandle(c.Handles, Handle{Platform: p, Handle: h})
		}
	}
}

func collapseSpace(s string) string {
	if !strings.ContainsAny(s, "\t\n\r") && !strings.Contains(s, "  ") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

func (b *customerBuilder) finish(rec Record) Record {
	c := &b.c
	cfg := b.im.cfg
	if c.Name == "" {
		c.Name = strings.TrimSpace(b.first + " " + b.last)
	}
	if cfg.strict && b.firstBad.Reason != "" {
		is := b.firstBad
		is.Rejected = true
		return b.im.rejectRecord(rec, is)
	}
	if len(c.Emails)+len(c.Phones)+len(c.Handles)+len(c.Hashes) == 0 && len(NameTokens(c.Name)) < 2 {
		is := Issue{Line: rec.Line, Reason: "no email, phone, handle or full name", Rejected: true}
		if b.firstBadID.Reason != "" {
			is = b.firstBadID
			is.Rejected = true
		}
		return b.im.rejectRecord(rec, is)
	}
	if c.ID == "" {
		c.ID = "line:" + strconv.Itoa(rec.Line)
	}
	if n := len(c.Emails) + len(c.Phones); n > 0 && len(c.Hashes) == 0 {
		c.Hashes = make([]HashedID, 0, n)
	}
	for _, e := range c.Emails {
		c.addHash(FieldEmail, HashEmail(e))
	}
	for _, p := range c.Phones {
		c.addHash(FieldPhone, HashPhone(p, cfg.phoneHash))
	}
	if cfg.hashOnly {
		hashOnly(c)
	}
	rec.Customer = b.c
	rec.Issues = b.warnings
	return rec
}

// hashOnly replaces c's raw personal data by hashes.
func hashOnly(c *Customer) {
	for _, h := range c.Handles {
		c.addHash(HandleField(h.Platform), HashHandle(h))
	}
	c.Emails, c.Phones, c.Handles, c.Websites = nil, nil, nil, nil
	c.Name, c.Company, c.City = "", "", ""
}
