"""Messages in the reader's language: the French catalogue is complete, compiled and typeset;
the language is chosen in the documented order; places are told as an editor counts; the
indentation mistake is told as indentation.

The session runs with LC_MESSAGES=en (tests/conftest.py); the French tests here take it away.
"""

from __future__ import annotations

import ast
import gettext
import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from string import Formatter
from types import SimpleNamespace

import click
import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from lettre import messages, preview
from lettre.diagnostics import place_name
from lettre.messages import language, use_publication_language
from lettre.repo import Repository
from lettre.yamlfile import YamlProblem, parse
from tests.conftest import DATA, MINIMAL, PROJECT, Lettre, Newsletter

LOCALE = PROJECT / "src" / "lettre" / "locale" / "fr" / "LC_MESSAGES"
PO, MO = LOCALE / "lettre.po", LOCALE / "lettre.mo"
KEYWORDS = {**DEFAULT_KEYWORDS, "_fail": (2,)}  # as `make messages` extracts
METHODS = [("**.py", "python"), ("**/preview.html.j2", "jinja2")]
NO_BREAK = "\u00a0\u202f"


def _extracted() -> set[str | tuple[str, ...]]:
    """Every message of lettre (its Python and the preview page) and of click, as Babel
    finds them now: a message added without its French fails the test below."""
    found: set[str | tuple[str, ...]] = set()
    for folder in (PROJECT / "src" / "lettre", Path(click.__file__).parent):
        for _file, _line, message, _comments, _context in extract_from_dir(
            folder, METHODS, keywords=KEYWORDS
        ):
            found.add(message if isinstance(message, str) else tuple(message))
    return found


def _catalogue() -> dict[str | tuple[str, ...], str | tuple[str, ...]]:
    with PO.open("rb") as file:
        return {
            (m.id if isinstance(m.id, str) else tuple(m.id)): (
                m.string if isinstance(m.string, str) else tuple(m.string)
            )
            for m in read_po(file)
            if m.id
        }


def test_every_message_has_its_french() -> None:
    catalogue = _catalogue()
    missing = sorted(map(str, _extracted() - set(catalogue)))
    assert not missing, f"not in the .po (run `make messages`, then translate): {missing}"
    untranslated = [k for k, v in catalogue.items() if not all(v if isinstance(v, tuple) else [v])]
    assert not untranslated, f"no French text for: {untranslated}"


def test_the_compiled_catalogue_is_the_po() -> None:
    """lettre.mo is committed (nothing to compile at install, nothing heavy at start-up):
    it must hold what lettre.po says."""
    with PO.open("rb") as file:
        compiled = io.BytesIO()
        write_mo(compiled, read_po(file))
    compiled.seek(0)
    fresh = gettext.GNUTranslations(compiled)
    with MO.open("rb") as file:
        committed = gettext.GNUTranslations(file)
    # every message, and what the header says that gettext uses (its plural rule, charset,
    # language); not the rest of the header, such as the Babel version that compiled it
    messages = [{k: v for k, v in t._catalog.items() if k != ""} for t in (committed, fresh)]  # type: ignore[attr-defined]
    assert messages[0] == messages[1], "run `make messages` to compile lettre.mo"
    used = ("plural-forms", "content-type", "language")
    assert [committed.info().get(k) for k in used] == [fresh.info().get(k) for k in used]
    assert committed.info()["plural-forms"] and committed.charset() == "utf-8"


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name}


def test_a_translation_names_no_placeholder_its_message_does_not_give() -> None:
    """A placeholder the English does not fill would end in a KeyError when shown."""
    for key, value in _catalogue().items():
        given = set().union(*(_fields(k) for k in (key if isinstance(key, tuple) else [key])))
        if "%(" in str(key):  # click's version message, %-formatted
            continue
        for text in value if isinstance(value, tuple) else [value]:
            assert _fields(text) <= given, (key, text)


def test_french_messages_follow_french_typography() -> None:
    for value in _catalogue().values():
        for text in value if isinstance(value, tuple) else [value]:
            assert not re.search(r" [:;?!](?=\s|$)", text), (
                f"a no-break space before the sign: {text!r}"
            )
            assert not re.search(r"\w'\w", text), f"’, not ': {text!r}"
            assert not re.search(f"«(?![{NO_BREAK}])|(?<![{NO_BREAK}])»", text), text
            assert "“" not in text and "”" not in text, text


# --- which language ---------------------------------------------------------------------


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    use_publication_language(None)
    yield monkeypatch
    use_publication_language(None)


@pytest.mark.parametrize(
    ("variables", "publication", "expected"),
    [
        ({}, None, "fr"),  # before publication.yaml is read: French newsrooms
        ({"LANG": "en_GB.UTF-8"}, None, "en"),
        ({"LANG": "en_GB.UTF-8"}, "fr", "fr"),  # the machine's LANG does not beat the publication
        ({"LANG": "fr_FR.UTF-8"}, "en", "en"),
        ({"LC_MESSAGES": "en"}, "fr", "en"),  # the reader's explicit choice does
        ({"LC_MESSAGES": "fr_CA.UTF-8"}, "en", "fr"),
        ({"LC_ALL": "fr_FR.UTF-8", "LC_MESSAGES": "en_US"}, "en", "fr"),
        ({"LC_ALL": "C.UTF-8", "LANG": "en_US.UTF-8"}, None, "en"),  # C says nothing
        ({"LANG": "C"}, None, "fr"),
        ({"LANG": "de_DE.UTF-8"}, None, "fr"),  # a language lettre does not speak
        ({"LC_MESSAGES": "de_DE"}, "en", "en"),
    ],
)
def test_the_language_is_chosen_in_the_documented_order(
    environment: pytest.MonkeyPatch,
    variables: dict[str, str],
    publication: str | None,
    expected: str,
) -> None:
    for name, value in variables.items():
        environment.setenv(name, value)
    use_publication_language(publication)
    assert language() == expected


def test_the_publication_language_is_read_before_its_own_errors(
    environment: pytest.MonkeyPatch,
) -> None:
    messages.use_language_of("name: X\nlanguage: en  # the newsletter's language\n")
    assert language() == "en"
    messages.use_language_of("name: X\n")  # the model's default
    assert language() == "fr"


# --- the command line in French ----------------------------------------------------------

CASES = sorted(p for p in (DATA / "invalid").iterdir() if p.is_dir())
ENGLISH = re.compile(
    r"\b(the|is|are|not|must|with|and|or|of|to|an|error|errors|warning|required|expected|"
    r"found|unknown|field|write|give|delete|remove|Aborted|Error|Usage|Try|this|line|"
    r"indented|spaces?|quotes?)\b"
)


def _french(lettre: Lettre, *args: str | Path, repo: Path | None = None) -> tuple[int, str]:
    """Run as a French newsroom would: no LC_MESSAGES, LANG in English (a common laptop)."""
    lettre.runner.env.update({"LC_MESSAGES": None, "LC_ALL": None, "LANG": "en_US.UTF-8"})
    result = lettre(*args, repo=repo)
    return result.exit_code, result.stderr


def _english_in(text: str) -> list[str]:
    return [line for line in text.splitlines() if ENGLISH.search(_without_place(line))]


def _without_place(line: str) -> str:
    """The words of a line, without its place (a path) and what it quotes of the content."""
    line = re.sub(r"^\S+?:(\d+:\d+:)?\s", "", line)
    return re.sub(r"«\u202f.*?\u202f»", "«»", line)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_check_on_a_french_publication_says_no_english(
    case: Path, tmp_path: Path, lettre: Lettre
) -> None:
    root = tmp_path / "newsletter"
    shutil.copytree(MINIMAL, root)
    shutil.copytree(case, root, dirs_exist_ok=True, ignore=shutil.ignore_patterns("expected.txt"))
    code, stderr = _french(lettre, "check", repo=root)
    assert code == 1
    lines = stderr.splitlines()
    assert lines[-1].startswith("Abandon\u00a0: "), lines[-1]
    assert all(re.match(r"(bulletins/|publication\.yaml)\S*?(:\d+:\d+)?:? ", x) for x in lines[:-1])
    assert not _english_in(stderr), stderr


def test_an_english_publication_speaks_english(lettre: Lettre, newsletter: Newsletter) -> None:
    root = newsletter({"publication.yaml": _publication("en"), **_broken_issue()})
    code, stderr = _french(lettre, "check", repo=root)
    assert code == 1
    assert "Headlines, 1st item “Une nouvelle” › sumary: unknown field; did you mean" in stderr
    assert stderr.splitlines()[-1] == "Aborted: 2 errors in 1 issue."


def test_places_are_told_as_an_editor_counts(lettre: Lettre, newsletter: Newsletter) -> None:
    root = newsletter(_broken_issue())
    code, stderr = _french(lettre, "check", repo=root)
    assert code == 1
    assert stderr.splitlines() == [
        "bulletins/2025-06-13/issue.yaml:4:5: À la une, 1re brève «\u202fUne nouvelle\u202f» "
        "› sumary\u00a0: champ inconnu\u202f; vouliez-vous dire «\u202fsummary\u202f»\u202f?",
        "bulletins/2025-06-13/issue.yaml:13:11: Rubrique 1 «\u202fOpérations\u202f», 1er article "
        "«\u202fUn article\u202f» › image › alt\u00a0: obligatoire quand une image est donnée",
        "Abandon\u00a0: 2 erreurs dans 1 numéro.",
    ]
    code, verbose = _french(lettre, "check", "--verbose", repo=root)
    assert "› sumary (headlines[0].sumary)\u00a0: champ inconnu" in verbose
    assert "› image › alt (sections[0].articles[0].image.alt)\u00a0: obligatoire" in verbose


def _before_publication(lettre: Lettre) -> None:
    """Click's usage errors come before publication.yaml is read: LANG, or French, decides."""
    lettre.runner.env.update({"LC_MESSAGES": None, "LC_ALL": None, "LANG": None})


def test_click_speaks_french_too(lettre: Lettre, newsletter: Newsletter) -> None:
    root = newsletter()
    _before_publication(lettre)
    result = lettre("check", "--bogus", repo=root)
    assert result.exit_code == 2
    assert "Erreur\u00a0: Pas d’option «\u202f--bogus\u202f»" in result.stderr
    assert "Utilisation\u00a0: " in result.stderr
    shown = lettre("--repo", root, "check", "--help").stdout
    assert "Afficher ce message et quitter." in shown
    assert "Traiter les avertissements comme des erreurs." in shown
    assert "Vérifier la publication et les numéros" in shown
    assert not re.search(r"Show this message|Treat warnings|Check the publication", shown)
    lettre.runner.env["LANG"] = "en_GB.UTF-8"
    assert "Error: No such option" in lettre("check", "--bogus", repo=root).stderr


def test_a_refusal_is_french_too(lettre: Lettre, newsletter: Newsletter) -> None:
    """Once the repository is found, its publication's language holds, even for a refusal
    made before the publication is loaded."""
    root = newsletter()
    code, stderr = _french(lettre, "build", "--republish", "--reason", "x", repo=root)
    assert code == 2
    assert stderr == (
        "Erreur\u00a0: --republish demande le numéro\u00a0: lettre build bulletins/DATE "
        '--republish --reason "…"\n'
    )
    code, stderr = _french(lettre, "verify", root / "bulletins" / "2025-06-13", repo=root)
    assert (code, stderr) == (
        1,
        "Erreur\u00a0: pas publié, rien à vérifier\u00a0: bulletins/2025-06-13\n",
    )
    code, stderr = _french(lettre, "new", "--date", "2025-06-13", repo=root)
    assert (code, stderr) == (
        1,
        "Erreur\u00a0: bulletins/2025-06-13 existe déjà\u202f; lettre n’écrase pas un numéro\n",
    )


def _publication(language: str) -> str:
    return (MINIMAL / "publication.yaml").read_text("utf-8") + f"language: {language}\n"


def _broken_issue() -> dict[str, str | bytes | None]:
    path = "bulletins/2025-06-13/issue.yaml"
    text = (MINIMAL / path).read_text("utf-8")
    text = text.replace("    summary: Un résumé court.\n", "    sumary: Un résumé court.\n")
    return {path: text.replace("          alt: Une photo\n", "")}


def test_warning_codes_and_acceptance_are_told_in_french_too(
    lettre: Lettre, newsletter: Newsletter
) -> None:
    """`Problem.code` stays last, untranslated (it is what `accept:` lists); the place and
    the words around it follow the reader's language."""
    path = "bulletins/2025-06-13/issue.yaml"
    text = (MINIMAL / path).read_text("utf-8")
    text = text.replace(
        "headlines:\n",
        "headlines:\n  - title: Acceptée\n    summary: Sans lien.\n"
        "    accept: [no-read-more]\n  - title: Refusée\n    summary: Sans lien.\n",
        1,
    )
    root = newsletter({path: text})
    code, stderr = _french(lettre, "check", "--strict", repo=root)
    assert code == 1, stderr
    lines = stderr.splitlines()
    accepted = [line for line in lines if "Acceptée" in line]
    refused = [line for line in lines if "Refusée" in line]
    assert accepted == [
        f"{path}:3:5: avertissement\u00a0: À la une, 1re brève «\u202fAcceptée\u202f»\u00a0: "
        "pas de lien\u00a0: les lecteurs ne peuvent rien lire de plus que le résumé\u202f; "
        "ajoutez une url (https://…) où ils le pourront [no-read-more] (accepté)"
    ]
    assert len(refused) == 1 and refused[0].endswith(" [no-read-more]")
    assert lines[-1].endswith(" Dont 1 accepté."), lines[-1]
    assert not _english_in(stderr), stderr


def test_together_in_the_reader_s_language(environment: pytest.MonkeyPatch) -> None:
    assert messages.together(["a", "b", "c"]) == "a, b et c"
    assert messages.together(["a"]) == "a"
    environment.setenv("LC_MESSAGES", "en")
    assert messages.together(["a", "b"]) == "a and b"


# --- places -------------------------------------------------------------------------------

ISSUE = {
    "headlines": [{"title": "Une"}, {}],
    "sections": [
        {"title": "Vie du site"},
        {"title": "Opérations", "articles": [{}, {}, {"title": "Un très long titre " * 5}]},
    ],
}


@pytest.mark.parametrize(
    ("path", "french", "english"),
    [
        (
            ("headlines", 1, "summary"),
            "À la une, 2e brève › summary",
            "Headlines, 2nd item › summary",
        ),
        (("headlines", 0), "À la une, 1re brève «\u202fUne\u202f»", "Headlines, 1st item “Une”"),
        (
            ("sections", 1, "articles", 0, "image", "alt"),
            "Rubrique 2 «\u202fOpérations\u202f», 1er article › image › alt",
            "Section 2 “Opérations”, 1st article › image › alt",
        ),
        (
            ("sections", 1, "articles", 2, "title"),
            "Rubrique 2 «\u202fOpérations\u202f», 3e article «\u202fUn très long titre Un très "
            "long titre U…\u202f» › title",
            "Section 2 “Opérations”, 3rd article “Un très long titre Un très long titre U…” › title",
        ),
        (("sections", 7, "articles", 10), "Rubrique 8, 11e article", "Section 8, 11th article"),
        (("sender", "email"), "sender › email", "sender › email"),
        (("social", 0, "network"), "social, élément 1 › network", "social, item 1 › network"),
        (
            ("headlines", 0, "accept", 1),
            "À la une, 1re brève «\u202fUne\u202f» › accept, élément 2",
            "Headlines, 1st item “Une” › accept, item 2",
        ),
        (
            ("sections", 0, "articles", 20),
            "Rubrique 1 «\u202fVie du site\u202f», 21e article",
            "Section 1 “Vie du site”, 21st article",
        ),
        ((), "", ""),
    ],
)
def test_place_names(
    environment: pytest.MonkeyPatch, path: tuple[str | int, ...], french: str, english: str
) -> None:
    assert place_name(path, ISSUE) == french
    environment.setenv("LC_MESSAGES", "en")
    assert place_name(path, ISSUE) == english


def test_a_place_survives_data_of_any_shape() -> None:
    """What the YAML held, not what the model wanted: a title that is a list, an index past
    the end, a list where a mapping was expected."""
    odd = {"headlines": {"title": "x"}, "sections": [{"title": ["a"]}, "text"]}
    assert place_name(("headlines", 3, "title"), odd) == "Headlines, 4th item › title"
    assert place_name(("sections", 0, "articles", 1), odd) == "Section 1, 2nd article"
    assert place_name(("sections", 1, "title"), odd) == "Section 2 › title"


# --- the indentation mistake --------------------------------------------------------------

INDENTATION = [
    (
        "headlines:\n  - title: A\n    summary: B\n     url: https://x.org\n",
        4,
        "1 space further right than 'summary' on line 3",
    ),
    (
        "headlines:\n  - title: A\n     summary: B\n",
        3,
        "1 space further right than 'title' on line 2",
    ),
    ("title: A\n date: 2025-06-13\n", 2, "1 space further right than 'title' on line 1"),
    ("title: A\n   date: 2025-06-13\n", 2, "3 spaces further right than 'title' on line 1"),
    ("headlines:\n  - title: A\n   summary: B\n", 3, "1 space further left than 'title' on line 2"),
    (
        "sender:\n  name: A\n email: b@example.org\n",
        3,
        "1 space further left than 'name' on line 2",
    ),
    (
        "sections:\n  - title: A\n    articles:\n      - title: B\n       summary: C\n",
        5,
        "1 space further left than 'title' on line 4",
    ),
    ("headlines:\n  - title: A\n - title: B\n", 3, "1 space further left than '-' on line 2"),
    ("headlines:\n  - title: A\n   - title: B\n", 3, "1 space further right than '-' on line 2"),
    ("image:\n    src: x.jpg\n   alt: y\n", 3, "1 space further left than 'src' on line 2"),
]


@pytest.mark.parametrize(("text", "line", "said"), INDENTATION)
def test_the_indentation_mistake_is_told_as_indentation(text: str, line: int, said: str) -> None:
    with pytest.raises(YamlProblem) as raised:
        parse(text, "f.yaml")
    assert raised.value.place.line == line
    assert raised.value.message.startswith("YAML syntax: indentation: this line starts " + said)
    assert "quotes" not in raised.value.message


@pytest.mark.parametrize(
    "text",
    ["headlines:\n  - title: A\n\tsummary: B\n", "headlines:\n  - title: A\n  \tsummary: B\n"],
)
def test_a_tab_is_told_as_a_tab(text: str) -> None:
    with pytest.raises(YamlProblem, match="a tab character; indent with spaces, not tabs"):
        parse(text, "f.yaml")


@pytest.mark.parametrize(
    "text",
    [
        "title: Réunion: demain\n",
        "headlines:\n  - title: Réunion: demain\n",
        "summary: Un texte\n  qui continue: ici\n",  # a text on two lines, not a key
    ],
)
def test_a_text_holding_a_colon_is_still_told_to_take_quotes(text: str) -> None:
    with pytest.raises(YamlProblem, match="a text that contains ': ' must be put in quotes"):
        parse(text, "f.yaml")


def test_the_indentation_hint_counts_lines_in_an_included_file() -> None:
    """Front matter starts on the file's line 2: the line named is the file's."""
    with pytest.raises(YamlProblem) as raised:
        parse("title: A\n summary: B\n", "a.md", first_line=2)
    assert raised.value.place.line == 3
    assert "than 'title' on line 2;" in raised.value.message


def test_the_indentation_hint_in_french(environment: pytest.MonkeyPatch) -> None:
    with pytest.raises(YamlProblem) as raised:
        parse("title: A\n  date: 2025-06-13\n", "f.yaml")
    assert raised.value.message == (
        "syntaxe YAML\u00a0: indentation\u00a0: cette ligne commence 2 espaces plus à droite "
        "que «\u202ftitle\u202f» à la ligne 1\u202f; alignez les clés qui vont ensemble, avec des "
        "espaces"
    )


# --- the preview page --------------------------------------------------------------------


def test_the_preview_page_speaks_the_reader_s_language(
    environment: pytest.MonkeyPatch, newsletter: Newsletter
) -> None:
    root = newsletter()
    state = SimpleNamespace(
        repo=Repository(root),
        folder=root / "bulletins" / "2025-06-13",
        files=root / "nowhere",
        outcome=None,
        generation=3,
        problems=["bulletins/2025-06-13/issue.yaml:2:1: …"],
    )
    french = preview.page(state)  # type: ignore[arg-type]
    assert '<html lang="fr">' in french
    assert "Aperçu de bulletins/2025-06-13 · construction 3" in french
    assert "La construction a échoué" in french
    environment.setenv("LC_MESSAGES", "en")
    english = preview.page(state)  # type: ignore[arg-type]
    assert '<html lang="en">' in english
    assert "Preview of bulletins/2025-06-13 · build 3" in english
    assert "The build failed" in english
    assert not re.search("Aperçu|construction|échoué", english)


def test_help_headings_follow_french_typography(lettre: Lettre) -> None:
    lettre.runner.env.update({"LC_MESSAGES": None, "LC_ALL": None, "LANG": "fr_FR.UTF-8"})
    shown = lettre("--help").stdout
    assert "\nOptions\u00a0:\n" in shown and "\nCommandes\u00a0:\n" in shown
    assert shown.startswith("Utilisation\u00a0: ")


def test_no_module_that_translates_binds_the_name_underscore() -> None:
    """`_, x = pair` in a module that imports `_` makes `_` local to that function: its
    messages then end in UnboundLocalError or call a tuple (a decoder failure did)."""
    bound = []
    for path in sorted((PROJECT / "src" / "lettre").rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        imports = any(
            isinstance(node, ast.ImportFrom)
            and node.module == "lettre.messages"
            and any(alias.name == "_" for alias in node.names)
            for node in tree.body
        )
        for node in ast.walk(tree) if imports else ():
            if isinstance(node, ast.Name) and node.id == "_" and isinstance(node.ctx, ast.Store):
                bound.append(f"{path.name}:{node.lineno}")
    assert not bound, f"write _name instead of _ at: {bound}"


def test_no_message_is_translated_when_its_module_is_imported() -> None:
    """A `_()` run at import time freezes the language of whoever imported the module first
    (a constant translated once: approval.py's did, and a French refusal then reached an
    English session). Module-level messages are marked with N_() and translated where used."""
    import ast

    frozen = []
    for path in sorted((PROJECT / "src/lettre").glob("*.py")):

        def visit(node: ast.AST, in_function: bool, path: Path = path) -> None:
            for child in ast.iter_child_nodes(node):
                inside = in_function or isinstance(
                    child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
                )
                called = child.func.id if isinstance(child, ast.Call) and isinstance(child.func, ast.Name) else ""  # fmt: skip
                if not inside and called in ("_", "ngettext"):
                    frozen.append(f"{path.name}:{child.lineno}")
                visit(child, inside)

        visit(ast.parse(path.read_text("utf-8")), False)
    assert frozen == [], (
        "translated at import time (use N_ and translate where used): " + ", ".join(frozen)
    )
