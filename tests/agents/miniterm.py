"""A small terminal emulator (python3 standard library only) for the recorder.

It is good enough to read what the three agent CLIs draw — cursor addressing, erase,
insert/delete lines, scroll regions, the alternate screen, autowrap with wide
characters, OSC window titles — and to answer the terminal queries the way
libvterm 0.1.4 (Baton's screen model) does:

  DA1  CSI c / CSI 0 c    -> CSI ? 1 ; 2 c
  DA2  CSI > c            -> CSI > 0 ; 100 ; 0 c
  DSR  CSI 5 n            -> CSI 0 n
  CPR  CSI 6 n            -> CSI <row> ; <col> R      (CSI ? 6 n -> CSI ? <row> ; <col> R)
  DECRQM CSI ? Ps $ p     -> CSI ? Ps ; 1|2|0 $ y      (set / reset / not recognised)

Everything else (XTVERSION CSI > q, kitty keyboard CSI ? u, OSC 10/11 colour queries,
DECRQSS…) gets no answer, as with libvterm 0.1.4. Colours and attributes are parsed
and dropped: the screen holds characters only.

It is not Baton's screen model (that is libvterm, in engine/); it exists so the
recorder can wait for screen states and so recordings can be rendered as text.
"""

import unicodedata


def char_width(ch):
    o = ord(ch)
    if o < 32 or 0x7F <= o < 0xA0:
        return 0
    if unicodedata.combining(ch) or o in (0x200B, 0x200C, 0x200D, 0xFE0F, 0xFE0E):
        return 0
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 2
    return 1


# private modes this emulator tracks (and reports through DECRQM)
KNOWN_PRIVATE_MODES = {1, 6, 7, 12, 25, 47, 1000, 1002, 1003, 1004, 1005, 1006, 1015, 1047, 1048, 1049, 2004}


class Screen:
    def __init__(self, cols=120, rows=30, scrollback=5000):
        self.cols, self.rows = cols, rows
        self.max_scrollback = scrollback
        self.scrollback = []  # lines (str) scrolled off the top of the primary screen
        self.title = ""
        self.titles = []  # every title set, in order
        self.replies = []  # bytes to write back to the program
        self.queries = []  # (kind, raw) of every query seen
        self.modes = set()
        self.unknown = {}  # unhandled sequence -> count
        self._reset_state()
        self._buf = ""  # incomplete escape sequence across feeds
        self._dec = None

    # ------------------------------------------------------------ state
    def _blank(self):
        return [" "] * self.cols

    def _reset_state(self):
        self.primary = [self._blank() for _ in range(self.rows)]
        self.alt = [self._blank() for _ in range(self.rows)]
        self.grid = self.primary
        self.in_alt = False
        self.x = self.y = 0
        self.pending_wrap = False
        self.top, self.bottom = 0, self.rows - 1
        self.saved = (0, 0)
        self.autowrap = True
        self.modes = {7, 25}

    # ------------------------------------------------------------ text output
    def text_lines(self):
        return ["".join(c for c in row if c != "\0").rstrip() for row in self.grid]

    def text(self):
        return "\n".join(self.text_lines())

    def all_text(self):
        """Scrollback (primary screen only) followed by the visible screen."""
        return "\n".join(self.scrollback + self.text_lines())

    # ------------------------------------------------------------ feeding
    def feed(self, data):
        if isinstance(data, (bytes, bytearray)):
            import codecs

            if self._dec is None:
                self._dec = codecs.getincrementaldecoder("utf-8")("replace")
            data = self._dec.decode(bytes(data))
        s = self._buf + data
        self._buf = ""
        i, n = 0, len(s)
        while i < n:
            ch = s[i]
            if ch == "\x1b":
                j = self._escape(s, i)
                if j is None:  # incomplete: keep for the next feed
                    self._buf = s[i:]
                    return
                i = j
                continue
            o = ord(ch)
            if o < 32 or o == 0x7F:
                self._control(ch)
            elif 0x80 <= o < 0xA0:
                pass  # C1 controls: not used by these programs
            else:
                self._print(ch)
            i += 1

    def _control(self, ch):
        if ch == "\r":
            self.x = 0
            self.pending_wrap = False
        elif ch in "\n\x0b\x0c":
            self._linefeed()
        elif ch == "\b":
            if self.x > 0:
                self.x -= 1
            self.pending_wrap = False
        elif ch == "\t":
            self.x = min(self.cols - 1, (self.x // 8 + 1) * 8)
        # BEL, SO, SI, NUL…: ignored

    def _linefeed(self):
        self.pending_wrap = False
        if self.y == self.bottom:
            self._scroll_up(1)
        elif self.y < self.rows - 1:
            self.y += 1

    def _scroll_up(self, n):
        for _ in range(n):
            line = self.grid.pop(self.top)
            if self.grid is self.primary and self.top == 0:
                self.scrollback.append("".join(c for c in line if c != "\0").rstrip())
                if len(self.scrollback) > self.max_scrollback:
                    del self.scrollback[0]
            self.grid.insert(self.bottom, self._blank())

    def _scroll_down(self, n):
        for _ in range(n):
            del self.grid[self.bottom]
            self.grid.insert(self.top, self._blank())

    def _print(self, ch):
        w = char_width(ch)
        if w == 0:
            return
        if self.pending_wrap:
            self.x = 0
            self._linefeed()
        if w == 2 and self.x == self.cols - 1:
            if self.autowrap:
                self.grid[self.y][self.x] = " "
                self.x = 0
                self._linefeed()
            else:
                return
        row = self.grid[self.y]
        row[self.x] = ch
        if w == 2:
            row[self.x + 1] = "\0"
        self.x += w
        if self.x >= self.cols:
            self.x = self.cols - 1
            self.pending_wrap = self.autowrap

    # ------------------------------------------------------------ escapes
    def _escape(self, s, i):
        """Handle the escape sequence at s[i]; return the index after it, or None."""
        n = len(s)
        if i + 1 >= n:
            return None
        c = s[i + 1]
        if c == "[":
            j = i + 2
            while j < n and not ("\x40" <= s[j] <= "\x7e"):
                j += 1
            if j >= n:
                return None
            self._csi(s[i + 2 : j], s[j])
            return j + 1
        if c in "]P_^X":
            # string: OSC ends with BEL or ST; DCS/APC/PM/SOS with ST
            j = i + 2
            while j < n:
                if s[j] == "\x07" and c == "]":
                    self._string(c, s[i + 2 : j])
                    return j + 1
                if s[j] == "\x1b":
                    if j + 1 >= n:
                        return None
                    if s[j + 1] == "\\":
                        self._string(c, s[i + 2 : j])
                        return j + 2
                j += 1
            return None
        if c in "()*+-./":
            return i + 3 if i + 2 < n else None
        if c == "#" or c == "%" or c == " ":
            return i + 3 if i + 2 < n else None
        if c == "7":
            self.saved = (self.x, self.y)
        elif c == "8":
            self.x, self.y = self.saved
            self.pending_wrap = False
        elif c == "M":  # reverse index
            if self.y == self.top:
                self._scroll_down(1)
            elif self.y > 0:
                self.y -= 1
        elif c == "D":
            self._linefeed()
        elif c == "E":
            self.x = 0
            self._linefeed()
        elif c == "c":
            self._reset_state()
        elif c in "=>":
            pass
        else:
            self.unknown["ESC " + c] = self.unknown.get("ESC " + c, 0) + 1
        return i + 2

    def _string(self, kind, body):
        if kind == "]":
            num, _, rest = body.partition(";")
            if num in ("0", "2"):
                self.title = rest
                self.titles.append(rest)
            elif num in ("10", "11", "12") and rest == "?":
                self.queries.append(("OSC " + num + " ?", body))
            else:
                pass
        elif kind == "P":
            self.queries.append(("DCS", body[:40]))

    def _csi(self, params, final):
        prefix = ""
        if params and params[0] in "?><=":
            prefix, params = params[0], params[1:]
        inter = ""
        while params and params[-1] in " !\"#$%&'()*+,-./":
            inter = params[-1] + inter
            params = params[:-1]
        try:
            ps = [int(p.split(":")[0]) if p.split(":")[0] else 0 for p in params.split(";")] if params else []
        except ValueError:
            ps = []

        def p(k, default):
            return ps[k] if len(ps) > k and ps[k] != 0 else default

        key = prefix + inter + final
        if key == "m":
            return
        if key in ("H", "f"):
            self.y = min(self.rows - 1, p(0, 1) - 1)
            self.x = min(self.cols - 1, p(1, 1) - 1)
            self.pending_wrap = False
        elif key == "A":
            self.y = max(self.top if self.y >= self.top else 0, self.y - p(0, 1))
            self.pending_wrap = False
        elif key == "B":
            self.y = min(self.bottom if self.y <= self.bottom else self.rows - 1, self.y + p(0, 1))
            self.pending_wrap = False
        elif key == "C":
            self.x = min(self.cols - 1, self.x + p(0, 1))
            self.pending_wrap = False
        elif key == "D":
            self.x = max(0, self.x - p(0, 1))
            self.pending_wrap = False
        elif key == "E":
            self.y = min(self.rows - 1, self.y + p(0, 1))
            self.x = 0
            self.pending_wrap = False
        elif key == "F":
            self.y = max(0, self.y - p(0, 1))
            self.x = 0
            self.pending_wrap = False
        elif key == "G" or key == "`":
            self.x = min(self.cols - 1, p(0, 1) - 1)
            self.pending_wrap = False
        elif key == "d":
            self.y = min(self.rows - 1, p(0, 1) - 1)
            self.pending_wrap = False
        elif key == "J":
            mode = ps[0] if ps else 0
            if mode == 0:
                self._erase_line(self.y, self.x, self.cols)
                for r in range(self.y + 1, self.rows):
                    self.grid[r] = self._blank()
            elif mode == 1:
                for r in range(0, self.y):
                    self.grid[r] = self._blank()
                self._erase_line(self.y, 0, self.x + 1)
            elif mode == 2:
                for r in range(self.rows):
                    self.grid[r] = self._blank()
            elif mode == 3:
                self.scrollback.clear()
        elif key == "K":
            mode = ps[0] if ps else 0
            if mode == 0:
                self._erase_line(self.y, self.x, self.cols)
            elif mode == 1:
                self._erase_line(self.y, 0, self.x + 1)
            else:
                self._erase_line(self.y, 0, self.cols)
        elif key == "X":
            self._erase_line(self.y, self.x, min(self.cols, self.x + p(0, 1)))
        elif key == "@":
            row = self.grid[self.y]
            k = min(p(0, 1), self.cols - self.x)
            self.grid[self.y] = row[: self.x] + [" "] * k + row[self.x : self.cols - k]
        elif key == "P":
            row = self.grid[self.y]
            k = min(p(0, 1), self.cols - self.x)
            self.grid[self.y] = row[: self.x] + row[self.x + k :] + [" "] * k
        elif key == "L":
            if self.top <= self.y <= self.bottom:
                for _ in range(min(p(0, 1), self.bottom - self.y + 1)):
                    del self.grid[self.bottom]
                    self.grid.insert(self.y, self._blank())
                self.x = 0
        elif key == "M":
            if self.top <= self.y <= self.bottom:
                for _ in range(min(p(0, 1), self.bottom - self.y + 1)):
                    del self.grid[self.y]
                    self.grid.insert(self.bottom, self._blank())
                self.x = 0
        elif key == "S":
            self._scroll_up(p(0, 1))
        elif key == "T":
            self._scroll_down(p(0, 1))
        elif key == "r":
            top, bottom = p(0, 1) - 1, p(1, self.rows) - 1
            if 0 <= top < bottom < self.rows:
                self.top, self.bottom = top, bottom
            else:
                self.top, self.bottom = 0, self.rows - 1
            self.x = self.y = 0
            self.pending_wrap = False
        elif key == "s":
            self.saved = (self.x, self.y)
        elif key == "u":
            self.x, self.y = self.saved
        elif key in ("?h", "?l"):
            for m in ps:
                self._private_mode(m, final == "h")
        elif key in ("h", "l", ">m", ">n", ">u", "<u", "=u", "t", " q", "!p", "q"):
            if key == "!p":
                self._reset_state()
        elif key == "c" or key == "0c":
            if not ps or ps[0] == 0:
                self.queries.append(("DA1", "\x1b[" + params + "c"))
                self.replies.append(b"\x1b[?1;2c")
        elif key == ">c":
            self.queries.append(("DA2", "\x1b[>" + params + "c"))
            self.replies.append(b"\x1b[>0;100;0c")
        elif key == "n":
            if ps and ps[0] == 5:
                self.queries.append(("DSR", "\x1b[5n"))
                self.replies.append(b"\x1b[0n")
            elif ps and ps[0] == 6:
                self.queries.append(("CPR", "\x1b[6n"))
                self.replies.append(b"\x1b[%d;%dR" % (self.y + 1, self.x + 1))
        elif key == "?n":
            if ps and ps[0] == 6:
                self.queries.append(("DECXCPR", "\x1b[?6n"))
                self.replies.append(b"\x1b[?%d;%dR" % (self.y + 1, self.x + 1))
        elif key == "?$p":
            m = ps[0] if ps else 0
            self.queries.append(("DECRQM", "\x1b[?" + params + "$p"))
            state = (1 if m in self.modes else 2) if m in KNOWN_PRIVATE_MODES else 0
            self.replies.append(b"\x1b[?%d;%d$y" % (m, state))
        elif key == ">q":
            self.queries.append(("XTVERSION", "\x1b[>" + params + "q"))
        elif key == "?u":
            self.queries.append(("KITTY-KBD?", "\x1b[?u"))
        else:
            self.unknown["CSI " + key] = self.unknown.get("CSI " + key, 0) + 1

    def _private_mode(self, m, on):
        if on:
            self.modes.add(m)
        else:
            self.modes.discard(m)
        if m == 7:
            self.autowrap = on
        elif m in (47, 1047, 1049):
            if on and not self.in_alt:
                if m == 1049:
                    self.saved = (self.x, self.y)
                self.in_alt = True
                self.alt = [self._blank() for _ in range(self.rows)]
                self.grid = self.alt
            elif not on and self.in_alt:
                self.in_alt = False
                self.grid = self.primary
                if m == 1049:
                    self.x, self.y = self.saved
            self.pending_wrap = False

    def _erase_line(self, r, a, b):
        row = self.grid[r]
        for k in range(max(0, a), min(self.cols, b)):
            row[k] = " "
        self.pending_wrap = False
