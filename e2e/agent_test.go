package e2e

import (
	"bytes"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
)

// agent is a browser without JavaScript: a cookie jar, redirects followed,
// and forms submitted the way a browser submits them. It finds forms by the
// page hooks every actor keeps (ids and names), never by their URLs, so the
// test follows the pages wherever they lead.
type agent struct {
	t      testing.TB
	client *http.Client

	// visited lists every URL the agent requested, redirects included.
	visited []*url.URL
}

func newAgent(t testing.TB) *agent {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	a := &agent{t: t}
	a.client = &http.Client{
		Jar:     jar,
		Timeout: 15 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 10 {
				return http.ErrUseLastResponse
			}
			a.visited = append(a.visited, req.URL)
			return nil
		},
	}
	return a
}

// page is a response the agent has read.
type page struct {
	URL    *url.URL // after redirects
	Status int
	Body   string
	Doc    *goquery.Document
}

func (a *agent) do(req *http.Request) *page {
	a.t.Helper()
	a.visited = append(a.visited, req.URL)
	resp, err := a.client.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatalf("%s %s: read body: %v", req.Method, req.URL, err)
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		a.t.Fatalf("%s %s: parse HTML: %v", req.Method, req.URL, err)
	}
	return &page{URL: resp.Request.URL, Status: resp.StatusCode, Body: string(body), Doc: doc}
}

// get opens rawURL like a typed address.
func (a *agent) get(rawURL string) *page {
	a.t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		a.t.Fatal(err)
	}
	return a.do(req)
}

// click submits the form that holds the button matched by selector, as a
// browser does when that button is clicked: every named field with its
// current value (checked boxes only), the button's own name and value, and
// then the values given here in place of the page's.
func (a *agent) click(p *page, selector string, set url.Values) *page {
	a.t.Helper()
	button := p.Doc.Find(selector).First()
	if button.Length() == 0 {
		a.t.Fatalf("%s: no %s on the page:\n%s", p.URL, selector, p.Body)
	}
	form := button.Closest("form")
	if form.Length() == 0 {
		a.t.Fatalf("%s: %s is not inside a form", p.URL, selector)
	}

	values := url.Values{}
	form.Find("input[name], select[name], textarea[name]").Each(func(_ int, f *goquery.Selection) {
		name, _ := f.Attr("name")
		switch typ := strings.ToLower(f.AttrOr("type", "text")); {
		case goquery.NodeName(f) == "select":
			values.Add(name, f.Find("option[selected]").AttrOr("value", f.Find("option").First().AttrOr("value", "")))
		case goquery.NodeName(f) == "textarea":
			values.Add(name, f.Text())
		case typ == "submit" || typ == "button" || typ == "image" || typ == "reset":
			// Only the clicked button is sent.
		case typ == "checkbox" || typ == "radio":
			if _, checked := f.Attr("checked"); checked {
				values.Add(name, f.AttrOr("value", "on"))
			}
		default:
			values.Add(name, f.AttrOr("value", ""))
		}
	})
	if name, ok := button.Attr("name"); ok && name != "" {
		values.Add(name, button.AttrOr("value", ""))
	}
	for k, v := range set {
		values[k] = v
	}

	action, err := p.URL.Parse(form.AttrOr("action", ""))
	if err != nil {
		a.t.Fatalf("%s: form action: %v", p.URL, err)
	}
	if formAction, ok := button.Attr("formaction"); ok {
		if action, err = p.URL.Parse(formAction); err != nil {
			a.t.Fatalf("%s: formaction: %v", p.URL, err)
		}
	}
	var req *http.Request
	if strings.EqualFold(form.AttrOr("method", "get"), "post") {
		req, err = http.NewRequest(http.MethodPost, action.String(), strings.NewReader(values.Encode()))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	} else {
		action.RawQuery = values.Encode()
		req, err = http.NewRequest(http.MethodGet, action.String(), nil)
	}
	if err != nil {
		a.t.Fatal(err)
	}
	return a.do(req)
}
