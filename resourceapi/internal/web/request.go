package web

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/resourceapi/internal/music"
)

// maxBody bounds request bodies: a playlist edit is a few kilobytes at most.
const maxBody = 64 << 10

// decodeJSON reads the request body into v, strictly: the body must be one
// JSON object of at most maxBody bytes with no field v does not know. Every
// problem is an *music.InvalidError that says what to fix.
func decodeJSON(c echo.Context, v any) error {
	req := c.Request()
	mt, _, err := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	if err != nil || mt != echo.MIMEApplicationJSON {
		return music.Invalid("the body must be JSON, sent with Content-Type: application/json")
	}
	dec := json.NewDecoder(http.MaxBytesReader(c.Response(), req.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonProblem(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return music.Invalid("the body must hold a single JSON object")
	}
	return nil
}

func jsonProblem(err error) error {
	var (
		syntax   *json.SyntaxError
		typ      *json.UnmarshalTypeError
		tooLarge *http.MaxBytesError
	)
	switch {
	case errors.As(err, &tooLarge):
		return music.Invalid("the body is larger than %d bytes", maxBody)
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return music.Invalid("the body is not valid JSON")
	case errors.Is(err, io.EOF):
		return music.Invalid("the body is empty: it must be a JSON object")
	case errors.As(err, &typ):
		if typ.Field == "" {
			return music.Invalid("the body must be a JSON object")
		}
		return music.Invalid("%s: must be %s, not %s", typ.Field, jsonKind(typ.Type.Kind().String()), typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json has no error type for this one.
		return music.Invalid("unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	default:
		return music.Invalid("the body is not a valid request")
	}
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "slice":
		return "an array of strings"
	default:
		return "a " + goKind
	}
}

// intParam reads an optional whole-number query parameter in [lo, hi].
func intParam(c echo.Context, name string, def, lo, hi int) (int, error) {
	v := c.QueryParam(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, music.Invalid("%s: must be a whole number from %d to %d", name, lo, hi)
	}
	return n, nil
}

// pageParams reads limit and offset.
func pageParams(c echo.Context) (music.Page, error) {
	limit, err := intParam(c, "limit", music.DefaultPageLimit, 1, music.MaxPageLimit)
	if err != nil {
		return music.Page{}, err
	}
	offset, err := intParam(c, "offset", 0, 0, 1_000_000)
	if err != nil {
		return music.Page{}, err
	}
	return music.Page{Limit: limit, Offset: offset}, nil
}

// playlistID reads the :id path parameter.
func playlistID(c echo.Context) (string, error) {
	id := c.Param("id")
	if !music.ValidPlaylistID(id) {
		return "", music.Invalid("%q is not a playlist id (playlist ids look like pl_...)", id)
	}
	return id, nil
}
