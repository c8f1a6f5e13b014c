"""Data healthcamp never collects, recognised by the name of the field that carries it.

The participant schema is closed (unknown fields are refused anyway); this
module turns the refusal of these particular fields into a message that says
plainly that such data is never collected.

A field name is recognised however it is spelled: Unicode compatibility forms
(full-width, mathematical letters, presentation forms) are folded by NFKC;
Cyrillic, Greek, Armenian and small-capital look-alikes are folded to the Latin
letters they imitate; case, accents and separators are ignored; camelCase,
snake_case, kebab-case, dotted and spaced names are split into words, and
words run together ("dnaprofile", "patientfaceimage") are split again where
every piece is a known word. Vocabularies cover English, Arabic, Uyghur,
Spanish, French, German, Chinese and Russian.

Vocabulary entries are separated by commas or lines: a plain entry matches a
whole word (an English plural too); an entry ending in "*" matches any word
that starts with it; an entry with spaces is a phrase, matched on consecutive
words (small words such as "of" or "de" between them are skipped); entries in
Chinese characters match anywhere in a word.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    code: str
    plain: str
    words: frozenset[str]
    phrases: tuple[tuple[str, ...], ...] = ()


def _entries(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _category(code: str, plain: str, vocabulary: str) -> Category:
    """A category from its vocabulary (see the module's docstring for the entries)."""
    entries = [e.strip() for e in vocabulary.replace("\n", ",").split(",") if e.strip()]
    words = frozenset(e for e in entries if " " not in e)
    phrases = tuple(tuple(e.split()) for e in entries if " " in e)
    return Category(code, plain, words, phrases)


CATEGORIES: tuple[Category, ...] = (
    _category(
        "biometric",
        "biometric identifiers or images of people (fingerprints, iris or retina scans, "
        "photographs or images of the face, voice prints, gait)",
        """
        fingerprint*, thumbprint*, palmprint*, handprint*, dactyloscopy, iris, irises
        retina, retinal, face, faces, facial, faceprint*, voice, voiceprint*, gait
        biometri*, biometry, photo, photos, photograph*, selfie*, portrait*, headshot*
        mugshot*, avatar, finger print, thumb print, palm print, voice print
        profile picture, profile pic, id picture, person picture, person image
        picture person, image person, huella*, dactilar*, rostro, rostros, cara, foto, fotos
        fotografia*, retrato*, voz, empreinte*, visage*, retine, voix, fingerabdr*, gesicht
        gesichter, gesichtsbild*, gesichtserkennung*, gesichtsfoto*
        lichtbild*, passbild*, netzhaut
        بصمة, بصمات, قزحية, شبكية, وجه, صورة الوجه, صورة شخصية, بارماق ئىزى
        指纹, 指紋, 掌纹, 虹膜, 视网膜, 視網膜, 人脸, 人臉, 面部, 脸部, 臉部, 照片, 相片
        头像, 頭像, 自拍, 肖像, 声纹, 聲紋, 步态, 步態
        生物特征, 生物特徵, 生物识别
        отпечат*, дактилоскоп*, радужк*, сетчатк*, лицо, лица, фото, фотограф*, селфи, голос
        походк*, биометри*
        """,
    ),
    _category(
        "genetic",
        "DNA, genetic data or biological samples (saliva, swabs, stored blood, hair or tissue)",
        """
        dna, adn, genet*, genom, genoms, genome, genomes, genomic*, genomik, genomisch*
        genotyp*, gene, genes, snp, snps, haplo*, allele*, buccal
        saliva, salivary, swab, swabs, biosample*, biobank*, biological sample, blood sample
        blood specimen, hair sample, tissue sample, specimen storage, sample storage
        stored sample, stored specimen, hisopo*, muestra biologica, salive, ecouvillon*
        echantillon biologique, speichel*, abstrich*, erbgut, biologische probe
        حمض نووي, جينات, جيني, جينوم, وراثي, وراثية, لعاب, مسحة, عينة بيولوجية
        基因, 脱氧核糖核酸, 唾液, 拭子, 生物样本, 生物樣本, 血样, 血樣, 毛发样本
        днк, генетич*, геном*, слюн*, биообраз*, биоматериал*
        """,
    ),
    _category(
        "ethnicity",
        "ethnicity or race",
        """
        ethni*, etni*, race, races, racial, raza, razas, rasse, rassen, tribe, tribes, tribal
        caste, castes, ancestry, abstammung, volkszugeh*, skin colour, skin color, skin tone
        عرق, عرقي, عرقية, إثنية, قبيلة, مىللەت, مىللىتى
        民族, 种族, 種族, 族群
        национальност*, \u0440\u0430\u0441\u0430, расы, расов*, этнич*, этнос*
        """,
    ),
    _category(
        "nationality",
        "nationality, citizenship, immigration status or household registration (hukou)",
        """
        nationalit*, nacionalid*, citizenship*, ciudadan*, citoyennet*, staatsangeh*
        staatsburger*, hukou, huji, passport*, pasaporte*, passeport*, reisepass*, immigra*
        inmigra*, migrant, migrants, refugee*, asylum, national origin, country origin
        country birth
        جنسية, مواطنة, جواز سفر, لاجئ, پۇقرالىق
        国籍, 國籍, 户口, 戶口, 户籍, 戶籍, 籍贯, 籍貫, 护照, 護照, 公民身份, 移民
        гражданств*, подданств*, паспорт*, прописк*, мигрант*, иммигра*, беженц*, беженец
        """,
    ),
    _category(
        "religion",
        "religion or belief",
        """
        religi*, faith, faiths, belief, beliefs, denomination*, sect, sects, sectarian
        confession*, worship*, mosque*, church*, synagog*, prayer*, praying, pray
        imam, clergy, priest*, hijab, headscarf, headscarves, niqab, burqa, veil, halal
        kosher, ramadan, quran, koran, bible, muslim*, christian*, jewish, buddhis*, hindu
        hindus, hinduis*
        sikh, atheis*, islam*, catholic*, protestant*, creencia*, mezquita*, iglesia*
        oracion*, culto, croyance*, culte, mosquee*, eglise*, priere*, konfession*, glaube*
        kirche*, moschee*, gebet, gebete, gebets
        دين, ديانة, مذهب, طائفة, طائفي, عقيدة, صلاة, مسجد, كنيسة, حجاب, دىن, دىنى, دىنىي
        ئېتىقاد*, ناماز, مەسچىت, مەچىت
        宗教, 信仰, 教派, 清真, 礼拜, 禮拜, 祈祷, 祈禱, 穆斯林, 基督教, 佛教, 伊斯兰, 伊斯蘭
        религи*, вероисповед*, конфесси*, вера, веры, мечет*, церк*, молитв*, намаз
        """,
    ),
    _category(
        "political",
        "political opinion, affiliation or status",
        """
        politi*, party, parties, affiliation*, ideolog*, dissiden*, disiden*, dissent
        petition*, protest, protests, protester*, protestor*, activis*, communis*, voter
        voters, voting, partido*, afiliacion*, protesta, parti, partei*
        سياسي, سياسية, حزب, حزبي, انتماء, معارض, احتجاج, سىياسىي, پارتىيە
        政治, 党员, 黨員, 党派, 黨派, 上访, 上訪, 抗议, 抗議, 异见, 異見
        партия, партии, партийн*, идеолог*, диссидент*, протест*
        """,
    ),
    _category(
        "watchlist",
        'watchlist, "risk", "focus person", suspicion or surveillance flags',
        """
        watchlist*, blacklist*, risk, risks, risky, suspect*, suspic*, flagged, informant*
        informer, informers, surveil*, threat, threats, extremis*, radicali*, terroris*
        untrustworthy
        watch list, black list, focus person, focus people, focus persons, key person
        person interest, persons interest, people interest, vigilancia, sospech*, riesgo*
        informante*, lista negra, risque*, soupcon*, liste noire, beobachtungsliste*
        verdacht*, gefahrder*, risiko*, spitzel
        مشتبه, مشبوه, قائمة المراقبة, قائمة سوداء, شۈبھىلىك
        重点人员, 重點人員, 重点人口, 重點人口, 关注人员, 關注人員, 可疑, 风险, 風險, 监控
        監控, 监视, 監視, 线人, 線人, 黑名单, 黑名單
        подозр*, неблагонад*, слежк*, осведомител*, информатор*, риск, риски, черный список
        """,
    ),
    _category(
        "family_network",
        "family networks or relatives' details",
        """
        relatives, kinship, kin, kinsfolk, household*, associates, genealog*, siblings
        cousins, spouse, spouses, family network, family members, family tree, family map
        family relations, family ties, family links, family connections, social network
        social relations, social connections, social ties, familiares, parientes, parentesco
        red familiar, miembros familia, arbol genealogico, proches, parente, membres famille
        reseau familial, verwandt*, angehorige*, familienmitglied*, familiennetzwerk*
        haushaltsmitglied*, stammbaum*
        أقارب, قرابة, أفراد الأسرة, أفراد العائلة, شجرة العائلة, تۇغقان*, ئائىلە ئەزالىرى
        亲属, 親屬, 亲戚, 親戚, 家庭成员, 家庭成員, 社会关系, 社會關係
        родственн*, родня, родств*, члены семьи
        """,
    ),
)

# Words that are not forbidden but are often run together with a forbidden one
# ("patientfaceimage", "dnaprofile", "rawfingerprint"): a word run together is split
# only into pieces that are all known words, so "surface", "trace" and "general" stay whole.
JOINERS: frozenset[str] = _entries(
    """
    patient person persons participant subject user client member members citizen
    raw left right main primary secondary my own new old current last first full front side
    scan scans image images img pic picture pictures template templates data info value values
    code codes id ids number num hash key ref record records file blob url path sample samples
    test tests result results status flag flags type group level score marker markers profile
    print prints capture vector embedding feature features map list lists note notes text field
    kit report match sequence string jpg jpeg png wav encrypted sealed date history
    detail details name names card check log entry category tag label identity origin
    background network tree contact self known stored storage collected
    """
)

# Legitimate uses of a forbidden word, never refused: consent to "third party" sharing,
# a named clinical risk ("cardiovascular risk", "risk factor"), calling someone by voice,
# the timed walking test. A bare "risk" or "risk_score" is still refused.
BENIGN_PHRASES: tuple[tuple[str, ...], ...] = tuple(
    tuple(p.split())
    for p in (
        "third party",
        "3rd party",
        "cardiovascular risk",
        "cvd risk",
        "cardiac risk",
        "heart risk",
        "diabetes risk",
        "health risk",
        "fall risk",
        "falls risk",
        "clinical risk",
        "risk factor",
        "riesgo cardiovascular",
        "risque cardiovasculaire",
        "voice call",
        "voice message",
        "gait speed",
    )
)

# Small words skipped between the words of a phrase ("person of interest", "lista de vigilancia").
_STOPWORDS = _entries("of the a an for de del la el los las le les des du der die das den von и")

# Look-alikes folded to the Latin letter they imitate, by case (full-width and mathematical
# letters are handled by NFKC). Cyrillic letters fold the same way in both cases, so Russian
# words are compared consistently; Greek and the rest appear only as disguise.
_LOOKALIKE_PAIRS = (
    # Cyrillic
    "\u0410A \u0430a \u0412B \u0432b \u0415E \u0435e \u041aK \u043ak \u041cM \u043cm "
    "\u041dH \u043dh \u041eO \u043eo \u0420P \u0440p \u0421C \u0441c \u0422T \u0442t "
    "\u0423Y \u0443y \u0425X \u0445x \u0405S \u0455s \u0406I \u0456i \u0408J \u0458j "
    "\u04baH \u04bbh \u0500D \u0501d \u051aQ \u051bq \u051cW \u051dw \u04aeY \u04afy "
    "\u04c0I \u04cfl \u0401E \u0451e \u0407I \u0457i "
    # Greek
    "\u0391A \u03b1a \u0392B \u03b2b \u0395E \u03b5e \u0396Z \u0397H \u03b7n \u0399I "
    "\u03b9i \u039aK \u03bak \u039cM \u039dN \u03bdv \u039fO \u03bfo \u03a1P \u03c1p "
    "\u03a4T \u03c4t \u03a5Y \u03c5u \u03a7X \u03c7x \u03b3y \u03f9C \u03f2c \u037fJ "
    "\u03f3j "
    # Armenian
    "\u0585o \u0555O \u057du \u054dU \u0578n \u0570h \u0581g \u0566q "
    # Latin small capitals and other Latin look-alikes
    "\u0131i \u0237j \u0251a \u0261g \u0269i \u026ai \u028fy \u1d00a \u0299b \u1d04c "
    "\u1d05d \u1d07e \u0262g \u029ch \u1d0aj \u1d0bk \u029fl \u1d0dm \u0274n \u1d0fo "
    "\u1d18p \u0280r \ua731s \u1d1bt \u1d1cu \u1d20v \u1d21w \u1d22z"
)
LOOKALIKES: dict[str, str] = {pair[0]: pair[1] for pair in _LOOKALIKE_PAIRS.split()}
_LOOKALIKE_TABLE = str.maketrans(LOOKALIKES)

# Arabic-script spellings that vary in practice: taa marbuta, alef maksura, Persian forms,
# alef wasla (hamza and madda carriers are folded by dropping marks after NFKD).
_ARABIC_TABLE = str.maketrans({"\u0629": "\u0647", "\u0649": "\u064a", "\u06cc": "\u064a"})
_ARABIC_TABLE.update(str.maketrans({"\u06a9": "\u0643", "\u0671": "\u0627"}))
_ARABIC_PREFIXES = (
    "\u0648\u0627\u0644",  # wa-al
    "\u0628\u0627\u0644",  # bi-al
    "\u0641\u0627\u0644",  # fa-al
    "\u0643\u0627\u0644",  # ka-al
    "\u0644\u0644",  # li-al
    "\u0627\u0644",  # al
    "\u0648",  # wa
    "\u0628",  # bi
)
_ARABIC_SUFFIXES = (
    "\u064a\u0647",  # -iyya
    "\u0627\u062a",  # -aat
    "\u0647\u0627",  # -haa
    "\u0647\u0645",  # -hum
    "\u0647",  # -a / -hu
    "\u064a",  # -i
)
_TATWEEL = "\u0640"


def _script(char: str) -> str:
    """Which run a character belongs to; words are split where the run changes."""
    code = ord(char)
    if char.isdigit() or unicodedata.category(char).startswith("N"):
        return "digit"
    if 0x0600 <= code <= 0x08FF or 0xFB50 <= code <= 0xFDFF or 0xFE70 <= code <= 0xFEFF:
        return "arabic"
    if (
        0x2E80 <= code <= 0x9FFF
        or 0xAC00 <= code <= 0xD7AF
        or 0xF900 <= code <= 0xFAFF
        or 0x20000 <= code <= 0x3FFFF
    ):
        return "cjk"
    return "alpha"


def _skeleton(text: str) -> str:
    """One word as compared: compatibility forms, marks, look-alikes and case folded away."""
    # Look-alikes first: NFKC would turn some (lunate sigma) into plain Greek letters.
    text = unicodedata.normalize("NFKD", text.translate(_LOOKALIKE_TABLE))
    text = "".join(c for c in text if unicodedata.category(c) != "Mn" and c != _TATWEEL)
    text = text.translate(_LOOKALIKE_TABLE).casefold().translate(_LOOKALIKE_TABLE)
    return unicodedata.normalize("NFC", text.translate(_ARABIC_TABLE))


def _runs(field_name: str) -> list[str]:
    """The name cut at separators and at changes of script, case kept (look-alikes folded)."""
    text = unicodedata.normalize("NFKC", field_name.translate(_LOOKALIKE_TABLE))
    text = text.translate(_LOOKALIKE_TABLE)
    runs: list[str] = []
    current: list[str] = []
    kind = ""
    for char in text:
        category = unicodedata.category(char)
        if category == "Cf" or char == _TATWEEL:
            continue  # invisible: zero-width joiners, soft hyphens
        if category.startswith("M"):
            current.append(char)
            continue
        if not category.startswith(("L", "N")):
            kind = ""
        else:
            script = _script(char)
            if script != kind and current:
                runs.append("".join(current))
                current = []
            kind = script
            current.append(char)
            continue
        if current:
            runs.append("".join(current))
            current = []
    if current:
        runs.append("".join(current))
    return runs


def _camel(run: str) -> list[str]:
    """Split a run at camelCase boundaries: "faceImage", "DNAProfile", "irisScan"."""
    cuts = [0]
    for i in range(1, len(run)):
        before, here = run[i - 1], run[i]
        after = run[i + 1] if i + 1 < len(run) else ""
        if (before.islower() and here.isupper()) or (
            before.isupper() and here.isupper() and after.islower()
        ):
            cuts.append(i)
    cuts.append(len(run))
    return [run[a:b] for a, b in itertools.pairwise(cuts) if a < b]


def tokens(field_name: str) -> tuple[str, ...]:
    """The words of a field name, normalised (camelCase, separators and scripts split)."""
    return tuple(
        word for run in _runs(field_name) for part in _camel(run) if (word := _skeleton(part))
    )


def _forms(token: str) -> tuple[str, ...]:
    """A word and the forms it may stand for: English plurals, Arabic clitics stripped."""
    forms = [token]
    if token.endswith("ies") and len(token) > 4:
        forms.append(token[:-3] + "y")
    if token.endswith("es") and len(token) > 4:
        forms.append(token[:-2])
    if token.endswith("s") and len(token) > 3:
        forms.append(token[:-1])
    if token and _script(token[0]) == "arabic":
        stems = [token] + [
            token[len(p) :]
            for p in _ARABIC_PREFIXES
            if token.startswith(p) and len(token) > len(p) + 1
        ]
        for stem in stems:
            forms.append(stem)
            forms.extend(
                stem[: -len(s)]
                for s in _ARABIC_SUFFIXES
                if stem.endswith(s) and len(stem) > len(s) + 1
            )
    return tuple(dict.fromkeys(forms))


class _Index:
    """The vocabularies, normalised once."""

    def __init__(self) -> None:
        self.stopwords = frozenset(_skeleton(w) for w in _STOPWORDS)
        self.words: dict[str, Category] = {}
        self.stems: list[tuple[str, Category]] = []
        self.han: list[tuple[str, Category]] = []
        self.phrases: list[tuple[tuple[frozenset[str], ...], Category]] = []
        for category in CATEGORIES:
            for entry in sorted(category.words):
                word = _skeleton(entry.rstrip("*"))
                if _script(word[0]) == "cjk":
                    self.han.append((word, category))
                elif entry.endswith("*"):
                    self.stems.append((word, category))
                else:
                    self.words.setdefault(word, category)
            for phrase in category.phrases:
                self.phrases.append((self._phrase(phrase), category))
        self.stems.sort(key=lambda item: -len(item[0]))
        self.stems_by_letter: dict[str, list[tuple[str, Category]]] = {}
        for stem, category in self.stems:
            self.stems_by_letter.setdefault(stem[0], []).append((stem, category))
        self.benign = tuple(self._phrase(p) for p in BENIGN_PHRASES)
        self.pieces = frozenset(
            {*self.words, *(w for p, _ in self.phrases for forms in p for w in forms)}
            | {_skeleton(w) for w in JOINERS}
            | {w for p in self.benign for forms in p for w in forms}
        )
        self.longest_piece = max(len(p) for p in self.pieces)

    def _phrase(self, words: tuple[str, ...]) -> tuple[frozenset[str], ...]:
        """A phrase as the forms each of its words may take ("members" or "member")."""
        normalised = (_skeleton(w) for w in words)
        return tuple(frozenset(_forms(w)) for w in normalised if w not in self.stopwords)

    def word(self, token: str) -> Category | None:
        forms = _forms(token)
        for form in forms:
            if form in self.words:
                return self.words[form]
        for form in forms:
            if (stem := self.stem(form)) is not None:
                return stem
        if _script(token[0]) == "cjk":
            for word, category in self.han:
                if word in token:
                    return category
        return None

    def stem(self, text: str) -> Category | None:
        """The category of the longest stem that the text starts with, if any."""
        for stem, category in self.stems_by_letter.get(text[:1], ()):
            if text.startswith(stem):
                return category
        return None

    def sequence(self, words: Iterable[str]) -> Category | None:
        """The category of a run of words (single words first, then phrases)."""
        seq = [w for w in words if w and w not in self.stopwords]
        for phrase in self.benign:
            for i in _occurrences(phrase, seq):
                seq[i : i + len(phrase)] = [""] * len(phrase)
        found = {c for w in seq if w and (c := self.word(w)) is not None}
        for phrase, category in self.phrases:
            if _occurrences(phrase, seq):
                found.add(category)
        for category in CATEGORIES:
            if category in found:
                return category
        return None

    def splits(self, token: str, limit: int = 64) -> Iterator[list[str]]:
        """Ways to cut a run-together word into known pieces (a stem may end it)."""
        if len(token) > 64 or _script(token[0]) == "cjk":
            return
        n = len(token)
        ends = self._reachable(token)
        count = 0

        def walk(start: int, pieces: list[str]) -> Iterator[list[str]]:
            nonlocal count
            if count >= limit:
                return
            if start == n:
                if len(pieces) > 1:
                    count += 1
                    yield pieces
                return
            rest = token[start:]
            if pieces and self.stem(rest) is not None:
                count += 1
                yield [*pieces, rest]
            for end in range(min(n, start + self.longest_piece + 1), start, -1):
                if end in ends and self._piece(token[start:end]):
                    yield from walk(end, [*pieces, token[start:end]])

        yield from walk(0, [])

    def _piece(self, text: str) -> bool:
        """A known piece, or the plural of a longer one ("scans"; not "reds", "matchs")."""
        return text in self.pieces or (
            len(text) > 4
            and text[-1] == "s"
            and not text.endswith(("ss", "xs", "chs", "shs", "zs"))
            and text[:-1] in self.pieces
        )

    def _reachable(self, token: str) -> set[int]:
        """Positions from which the rest of the word can be cut into pieces (or ends)."""
        n = len(token)
        ok = {n}
        for start in range(n - 1, -1, -1):
            if self.stem(token[start:]) is not None:
                ok.add(start)
                continue
            if any(
                end - start <= self.longest_piece + 1 and self._piece(token[start:end])
                for end in ok
            ):
                ok.add(start)
        return ok


def _occurrences(phrase: tuple[frozenset[str], ...], words: list[str]) -> list[int]:
    """Where a phrase starts in a run of words, each word in any of its forms."""
    n = len(phrase)
    return [
        i
        for i in range(len(words) - n + 1)
        if all(
            w and not forms.isdisjoint(_forms(w))
            for forms, w in zip(phrase, words[i : i + n], strict=True)
        )
    ]


_INDEX = _Index()


def category_of(field_name: str) -> Category | None:
    runs = _runs(field_name)[:64]
    whole = [_skeleton(run) for run in runs]  # separators only ("fInGeRpRiNt")
    split = list(tokens(field_name))[:128]  # camelCase too ("faceImage")
    # The words between separators are read first: a random case such as "SurVeil" or
    # "groupsKIN" must not be read as the camelCase words "veil" or "kin".
    return (
        _INDEX.sequence(whole)
        or _run_together(whole)
        or _INDEX.sequence(split)
        or _run_together(split)
    )


def _run_together(words: list[str]) -> Category | None:
    """Words run together ("dnaprofile", "patientfamily" + "members"), cut into known pieces."""
    words = words[:16]
    first = [next(_INDEX.splits(w), [w]) if len(w) >= 4 else [w] for w in words]
    for i, word in enumerate(words):
        if len(word) < 4:
            continue
        # A phrase is at most three words: two neighbours each side are context enough.
        before = [p for pieces in first[max(0, i - 2) : i] for p in pieces]
        after = [p for pieces in first[i + 1 : i + 3] for p in pieces]
        found = {_INDEX.sequence([*before, *pieces, *after]) for pieces in _INDEX.splits(word)}
        found.discard(None)
        if found:
            return next(c for c in CATEGORIES if c in found)
    return None


def refusal(field_name: str) -> str | None:
    """The message for a field carrying a forbidden category, or None."""
    category = category_of(field_name)
    if category is None:
        return None
    return (
        f"healthcamp does not collect {category.plain}. Remove the field '{field_name}': "
        "this kind of data is never stored, for anyone, for any reason."
    )


def refusals(field_names: Iterable[str]) -> dict[str, str]:
    found = {}
    for name in field_names:
        message = refusal(name)
        if message:
            found[name] = message
    return found
