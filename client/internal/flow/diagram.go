package flow

// Diagram is a sequence diagram laid out for drawing: four lanes side by side
// and one row per message, top to bottom. The web package draws it as SVG;
// all the arithmetic is here so it can be tested.
type Diagram struct {
	Width, Height int
	Lanes         []DiagramLane
	Rows          []DiagramRow
}

// DiagramLane is one party's column.
type DiagramLane struct {
	Name string
	X    int // centre of the lifeline
}

// DiagramRow is one arrow (or note) of the diagram.
type DiagramRow struct {
	Step    int // index of the step it belongs to, for the link to it
	Kind    Kind
	Label   string
	Channel Channel
	Y       int
	X1, X2  int  // from and to; equal for a note
	Left    bool // the arrow points left (X2 < X1)
	LabelX  int  // where the label is centred
	IsError bool
}

// Diagram geometry, in SVG user units.
const (
	laneGap   = 160
	laneLeft  = 100
	rowHeight = 34
	topMargin = 56
)

// NoteChars is the longest note label that fits its box (NoteWidth).
const (
	NoteChars = 34
	NoteWidth = 210
)

// Layout turns a timeline into a diagram: each arrow of each step becomes a
// row, in the order the steps happened.
func Layout(steps []Step) Diagram {
	d := Diagram{Width: laneLeft*2 + laneGap*(len(Lanes)-1)}
	for _, l := range Lanes {
		d.Lanes = append(d.Lanes, DiagramLane{Name: l.String(), X: laneX(l)})
	}
	y := topMargin
	for i, s := range steps {
		for _, a := range s.Arrows {
			y += rowHeight
			r := DiagramRow{
				Step: i, Kind: s.Kind, Label: clip(a.Label, 38), Channel: a.Channel, Y: y,
				X1: laneX(a.From), X2: laneX(a.To),
				IsError: s.Kind == KindError || s.Error != nil,
			}
			if a.Channel == Note {
				r.Label = clip(a.Label, NoteChars)
			}
			r.Left = r.X2 < r.X1
			r.LabelX = (r.X1 + r.X2) / 2
			d.Rows = append(d.Rows, r)
		}
	}
	d.Height = y + rowHeight
	return d
}

func laneX(l Lane) int {
	if l < Browser || l > ResourceAPI {
		l = Client
	}
	return laneLeft + int(l)*laneGap
}

// clip shortens a label to n characters so it stays between its lanes.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
