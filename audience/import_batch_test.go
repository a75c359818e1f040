package audience

import (
	"context"
	"strconv"
	"strings"
	"testing"
)

// TestImportBatchesKeepEveryValue imports enough rows for the batches (and
// their cells) to be reused many times over, with rejected rows among
// them, and checks every record against its row, with one worker and with
// several.
func TestImportBatchesKeepEveryValue(t *testing.T) {
	const n = 5000
	var b strings.Builder
	b.WriteString("Customer ID,Name,Email,City,Tags\n")
	for i := range n {
		id := strconv.Itoa(i)
		if i%97 == 13 {
			b.WriteString(id + ",too,few\n")
			continue
		}
		b.WriteString(id + ",Ann " + strings.Repeat("b", 1+i%5) + " Smith" + id + ",ann" + id + "@example.com,City" + strconv.Itoa(i%11) + ",\"t" + id + ";shared\"\n")
	}
	for _, workers := range []int{1, 3} {
		im, err := NewImporter(WithWorkers(workers))
		if err != nil {
			t.Fatal(err)
		}
		row, kept, rejected := 0, 0, 0
		for rec, err := range im.Records(context.Background(), strings.NewReader(b.String())) {
			if err != nil {
				t.Fatal(err)
			}
			i := row
			row++
			if rec.Line != i+2 {
				t.Fatalf("workers %d: record %d has line %d", workers, i, rec.Line)
			}
			if i%97 == 13 {
				if !rec.Rejected || len(rec.Issues) != 1 || rec.Issues[0].Reason != "record has 3 fields, header has 5" {
					t.Fatalf("workers %d: row %d: want a reject for its field count, got %+v", workers, i, rec)
				}
				rejected++
				continue
			}
			id := strconv.Itoa(i)
			c := rec.Customer
			want := Customer{ID: id, Name: "Ann " + strings.Repeat("b", 1+i%5) + " Smith" + id, City: "City" + strconv.Itoa(i%11)}
			if rec.Rejected || c.ID != want.ID || c.Name != want.Name || c.City != want.City ||
				len(c.Emails) != 1 || c.Emails[0] != "ann"+id+"@example.com" ||
				len(c.Tags) != 2 || c.Tags[0] != "t"+id || c.Tags[1] != "shared" ||
				len(c.Hashes) != 1 || c.Hashes[0].Hash != HashEmail("ann"+id+"@example.com") {
				t.Fatalf("workers %d: row %d: got %+v", workers, i, rec)
			}
			kept++
		}
		if row != n || rejected != (n+97-14)/97 || kept != n-rejected {
			t.Errorf("workers %d: %d records, %d kept, %d rejected", workers, row, kept, rejected)
		}
	}
}
