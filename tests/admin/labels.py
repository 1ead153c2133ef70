"""Reading an admin page the way an operator sees it: the labels (column headers, filter titles, action
names, form labels, fieldset titles, help texts) as text, for the translation tests."""

from html.parser import HTMLParser

# Elements whose text is a label; (tag, attribute, value) with value None: any element of that tag.
LABEL_ELEMENTS = (("th", "scope", "col"), ("h3", None, None), ("option", None, None), ("label", None, None),
                  ("h2", None, None), ("div", "class", "help"), ("caption", None, None))


class _LabelCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.labels, self._stack = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        wanted = any(tag == t and (a is None or v in (attrs.get(a) or "").split()) for t, a, v in LABEL_ELEMENTS)
        self._stack.append((tag, wanted, []))

    def handle_endtag(self, tag):
        if all(open_tag != tag for open_tag, _wanted, _parts in self._stack):
            return
        while self._stack:
            open_tag, wanted, parts = self._stack.pop()
            text = " ".join("".join(parts).split())
            if self._stack:
                self._stack[-1][2].append(text if not wanted else "")
            if wanted and text:
                self.labels.append(text)
            if open_tag == tag:
                return

    def handle_data(self, data):
        if self._stack:
            self._stack[-1][2].append(data)


def page_labels(html: str) -> list[str]:
    collector = _LabelCollector()
    collector.feed(html)
    return [label.rstrip(":：").strip() for label in collector.labels]
