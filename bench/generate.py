"""Generate a large synthetic mirror of mid.ru in the layout fixtures/mirror/ serves.

    python -m bench.generate --out /tmp/mw-site --statements 20000 [--seed 1] [--new 10] [--edits 50]
                             [--deletes 5] [--big-edits 1000]

Writes ``manifest.json`` + ``bodies/<id>.<lang>.html`` (the inner HTML of ``div.text.article-content``,
in the real site's markup: press releases, Q&A transcripts with bold speaker labels, briefings with a
table of contents and "Назад к оглавлению" links) and two later states:

* ``states/incr``: ``--new`` new statements (dated just after the newest one), ``--edits`` edited
  variants (one paragraph rewritten; half among the newest statements, half older) and ``--deletes``
  removed statements;
* ``states/edits``: on top of ``incr``, ``--big-edits`` further edited variants (for detection/diff).

``meta.json`` lists what each state changed, so the benchmark can compute minimum request counts
and check what was detected. Statements carry 1-5 languages (ru always; en, de, fr, es), span the
four transcript-bearing sections the mirror serves, and are spread over the past (about 11 a day)
up to ``--end`` (default: now), so the newest are young enough for the re-check policy's fast tiers.
Everything is deterministic for a given seed and end time.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

MSK = timezone(timedelta(hours=3))
SECTIONS = [  # (path, weight)
    ("foreign_policy/news", 0.70),
    ("press_service/minister_speeches", 0.14),
    ("press_service/spokesman/briefings", 0.08),
    ("press_service/spokesman/answers", 0.08),
]
EXTRA_LANGS = [("en", 0.75), ("de", 0.25), ("fr", 0.25), ("es", 0.3)]
FIRST_ID = 1_600_000

WORDS = {
    "ru": """Россия сотрудничество вопрос переговоры стороны министр встреча развитие отношения безопасность
        международный двусторонний партнёры урегулирование позиция диалог экономический гуманитарный договор
        консультации президент правительство организация объединённых наций совет региональный ситуация
        необходимость принцип уважение суверенитет интересы взаимодействие проект инициатива сфера энергетика
        торговля инвестиции культура образование наука делегация визит повестка обсуждение перспективы
        укрепление стабильность кризис санкции политика заявление решение соглашение программа форум
        саммит комиссия граждане консульский посольство представитель вопросам также подчеркнул отметил
        выразил готовность продолжать совместные усилия направленные на обеспечение мира""".split(),
    "en": """Russia cooperation issue talks parties minister meeting development relations security
        international bilateral partners settlement position dialogue economic humanitarian treaty
        consultations president government united nations council regional situation necessity principle
        respect sovereignty interests interaction project initiative sphere energy trade investment culture
        education science delegation visit agenda discussion prospects strengthening stability crisis
        sanctions policy statement decision agreement programme forum summit commission citizens consular
        embassy representative also emphasised noted expressed readiness continue joint efforts aimed
        ensuring peace""".split(),
    "de": """Russland Zusammenarbeit Frage Verhandlungen Seiten Minister Treffen Entwicklung Beziehungen
        Sicherheit international bilateral Partner Regelung Position Dialog wirtschaftlich humanitär Vertrag
        Konsultationen Präsident Regierung Vereinten Nationen Rat regional Lage Notwendigkeit Prinzip
        Achtung Souveränität Interessen Zusammenwirken Projekt Initiative Bereich Energie Handel Kultur
        Bildung Wissenschaft Delegation Besuch Tagesordnung Erörterung Perspektiven Stärkung Stabilität
        Krise Politik Erklärung Beschluss Abkommen Programm Forum Gipfel Kommission Bürger Botschaft
        betonte stellte fest Bereitschaft fortzusetzen gemeinsame Anstrengungen Frieden""".split(),
    "fr": """Russie coopération question négociations parties ministre rencontre développement relations
        sécurité international bilatéral partenaires règlement position dialogue économique humanitaire
        traité consultations président gouvernement nations unies conseil régional situation nécessité
        principe respect souveraineté intérêts interaction projet initiative domaine énergie commerce
        culture éducation science délégation visite ordre du jour discussion perspectives renforcement
        stabilité crise politique déclaration décision accord programme forum sommet commission citoyens
        ambassade a souligné a noté disposition poursuivre efforts communs paix""".split(),
    "es": """Rusia cooperación cuestión negociaciones partes ministro reunión desarrollo relaciones
        seguridad internacional bilateral socios arreglo posición diálogo económico humanitario tratado
        consultas presidente gobierno naciones unidas consejo regional situación necesidad principio
        respeto soberanía intereses interacción proyecto iniciativa ámbito energía comercio cultura
        educación ciencia delegación visita agenda discusión perspectivas fortalecimiento estabilidad
        crisis política declaración decisión acuerdo programa foro cumbre comisión ciudadanos embajada
        subrayó señaló disposición continuar esfuerzos conjuntos paz""".split(),
}
LABELS = {
    "ru": {"q": "Вопрос", "a": "С.В.Лавров", "ans": "Ответ", "toc": "Содержание", "back": "Назад к оглавлению",
           "qa": "Из ответов на вопросы", "press": "СООБЩЕНИЕ ДЛЯ СМИ"},
    "en": {"q": "Question", "a": "Sergey Lavrov", "ans": "Answer", "toc": "Table of contents",
           "back": "Back to contents", "qa": "Answers to media questions", "press": "PRESS RELEASE"},
    "de": {"q": "Frage", "a": "Sergej Lawrow", "ans": "Antwort", "toc": "Inhalt",
           "back": "Zurück zum Inhaltsverzeichnis", "qa": "Antworten auf Fragen", "press": "PRESSEMITTEILUNG"},
    "fr": {"q": "Question", "a": "Sergueï Lavrov", "ans": "Réponse", "toc": "Sommaire",
           "back": "Retour au sommaire", "qa": "Réponses aux questions", "press": "COMMUNIQUÉ DE PRESSE"},
    "es": {"q": "Pregunta", "a": "Serguéi Lavrov", "ans": "Respuesta", "toc": "Índice",
           "back": "Volver al índice", "qa": "Respuestas a preguntas", "press": "COMUNICADO DE PRENSA"},
}
TITLES = {
    "foreign_policy/news": {
        "ru": "О встрече Министра иностранных дел России С.В.Лаврова с партнёрами № {n}",
        "en": "On Foreign Minister Sergey Lavrov’s meeting with partners No. {n}",
        "de": "Zum Treffen des Außenministers Sergej Lawrow mit Partnern Nr. {n}",
        "fr": "Sur l’entretien du Ministre Sergueï Lavrov avec ses partenaires n° {n}",
        "es": "Sobre la reunión del Ministro Serguéi Lavrov con sus socios n.º {n}",
    },
    "press_service/minister_speeches": {
        "ru": "Ответы Министра иностранных дел России С.В.Лаврова на вопросы СМИ № {n}",
        "en": "Foreign Minister Sergey Lavrov’s answers to media questions No. {n}",
        "de": "Antworten des Außenministers Sergej Lawrow auf Fragen der Medien Nr. {n}",
        "fr": "Réponses du Ministre Sergueï Lavrov aux questions des médias n° {n}",
        "es": "Respuestas del Ministro Serguéi Lavrov a preguntas de los medios n.º {n}",
    },
    "press_service/spokesman/briefings": {
        "ru": "Брифинг официального представителя МИД России М.В.Захаровой № {n}",
        "en": "Foreign Ministry Spokeswoman Maria Zakharova’s briefing No. {n}",
        "de": "Briefing der Sprecherin des Außenministeriums Maria Sacharowa Nr. {n}",
        "fr": "Point de presse de la porte-parole Maria Zakharova n° {n}",
        "es": "Rueda de prensa de la portavoz María Zajárova n.º {n}",
    },
    "press_service/spokesman/answers": {
        "ru": "Ответ официального представителя МИД России на вопрос СМИ № {n}",
        "en": "Foreign Ministry Spokeswoman’s answer to a media question No. {n}",
        "de": "Antwort der Sprecherin auf eine Frage der Medien Nr. {n}",
        "fr": "Réponse de la porte-parole à une question des médias n° {n}",
        "es": "Respuesta de la portavoz a una pregunta de los medios n.º {n}",
    },
}


class TextMaker:
    """Random but fast text: sentences drawn from a pool built once per language."""

    def __init__(self, rng: random.Random, pool: int = 4000):
        self.rng = rng
        self.pool: dict[str, list[str]] = {}
        for lang, words in WORDS.items():
            out = []
            for _ in range(pool):
                w = rng.choices(words, k=rng.randint(7, 22))
                out.append(w[0][:1].upper() + w[0][1:] + " " + " ".join(w[1:]) + rng.choice([".", ".", ".", "?", ";"]))
            self.pool[lang] = [s if not s.endswith(";") else s[:-1] + "." for s in out]

    def para(self, lang: str, lo: int = 2, hi: int = 5) -> str:
        return " ".join(self.rng.choices(self.pool[lang], k=self.rng.randint(lo, hi)))


def press_release(t: TextMaker, lang: str) -> list[str]:
    L = LABELS[lang]
    out = []
    if t.rng.random() < 0.5:
        out.append(f'<p style="text-align: center;"><strong>{L["press"]}</strong></p>')
    out += [f"<p>{t.para(lang)}</p>" for _ in range(t.rng.randint(3, 9))]
    return out


def transcript(t: TextMaker, lang: str) -> list[str]:
    L = LABELS[lang]
    out = [f"<p>{t.para(lang, 3, 8)}</p>" for _ in range(t.rng.randint(2, 8))]
    for _ in range(t.rng.randint(4, 22)):
        out.append(f"<p><strong>{L['q']}:</strong> {t.para(lang, 1, 3)}</p>")
        out.append(f"<p><strong>{L['a']}:</strong> {t.para(lang, 2, 6)}</p>")
        for _ in range(t.rng.randint(0, 3)):
            out.append(f"<p>{t.para(lang, 2, 6)}</p>")
    return out


def briefing(t: TextMaker, lang: str) -> list[str]:
    L = LABELS[lang]
    topics = t.rng.randint(4, 12)
    out = [f'<h2 style="text-align: center;"><a id="0" name="0">{L["toc"]}</a></h2>', "<ol>"]
    out += [f'\t<li><a href="#{i}">{t.para(lang, 1, 1)[:80]}</a></li>' for i in range(1, topics + 1)]
    out += ["</ol>", f'<p><em><a href="#100"><u>{L["qa"]}</u>:</a></em></p>', "<p>&nbsp;</p>"]
    for i in range(1, topics + 1):
        out.append(f'<p style="text-align: center;"><a id="{i}" name="{i}"><strong>{t.para(lang, 1, 1)[:80]}'
                   f'</strong></a></p>')
        out += [f"<p>{t.para(lang, 2, 6)}</p>" for _ in range(t.rng.randint(2, 6))]
        out += [f'<p><u><a href="#0">{L["back"]}</a></u></p>', "<p>&nbsp;</p>"]
    out.append(f'<p style="text-align: center;"><a id="100" name="100"><strong>{L["qa"]}:</strong></a></p>')
    for _ in range(t.rng.randint(3, 10)):
        out.append(f"<p><strong>{L['q']}:</strong> {t.para(lang, 1, 3)}</p>")
        out.append(f"<p><strong>{L['ans']}:</strong> {t.para(lang, 2, 7)}</p>")
    return out


def body_for(t: TextMaker, section: str, lang: str) -> str:
    if section == "press_service/spokesman/briefings":
        paras = briefing(t, lang)
    elif section == "press_service/minister_speeches" or (section == "press_service/spokesman/answers"
                                                          and t.rng.random() < 0.5):
        paras = transcript(t, lang)
    else:
        paras = press_release(t, lang) if t.rng.random() < 0.85 else transcript(t, lang)
    return "\n\n".join(paras) + "\n"


def edit_body(t: TextMaker, text: str, lang: str) -> str:
    """Rewrite one real paragraph (keep its speaker label): an edit the detector must find."""
    paras = text.split("\n\n")
    # real text only: not the TOC, "back to contents" links or empty lines, which the parser drops
    candidates = [i for i, p in enumerate(paras) if p.startswith("<p>") and not p.startswith(("<p><u>", "<p><em>", "<p>&nbsp;"))]
    i = t.rng.choice(candidates)
    p = paras[i]
    if p.startswith("<p><strong>"):
        label_end = p.index("</strong>") + len("</strong>")
        paras[i] = p[:label_end] + " " + t.para(lang, 1, 3) + "</p>"
    else:
        words = p[3:-4].split(" ")
        j = t.rng.randrange(len(words))
        words[j] = t.rng.choice(WORDS[lang])  # one word changed
        paras[i] = "<p>" + " ".join(words) + " " + t.para(lang, 1, 1) + "</p>"
    return "\n\n".join(paras)


def make_statement(t: TextMaker, sid: int, when: datetime, doc_no: int, n: int) -> tuple[dict, dict[str, str]]:
    rng = t.rng
    r = rng.random()
    acc = 0.0
    section = SECTIONS[0][0]
    for path, w in SECTIONS:
        acc += w
        if r < acc:
            section = path
            break
    langs = ["ru"] + [lang for lang, p in EXTRA_LANGS if rng.random() < p]
    sections = [section]
    if section != "foreign_policy/news" and rng.random() < 0.2:
        sections.append("foreign_policy/news")
    st = {
        "id": sid,
        "sections": sections,
        "date": when.strftime("%Y-%m-%d"),
        "time": when.strftime("%H:%M"),
        "doc": f"{doc_no}-{when:%d-%m-%Y}",
        "hash": hashlib.md5(f"bench{sid}".encode()).hexdigest(),
        "langs": {},
    }
    bodies = {}
    for lang in langs:
        st["langs"][lang] = {"title": TITLES[section][lang].format(n=n), "body": f"bodies/{sid}.{lang}.html"}
        bodies[f"bodies/{sid}.{lang}.html"] = body_for(t, section, lang)
    return st, bodies


def generate(out: Path | str, statements: int = 20000, seed: int = 1, new: int = 10, edits: int = 50,
             deletes: int = 5, big_edits: int = 1000, end: datetime | None = None,
             per_day: float = 11.0) -> dict:
    """Write the site to `out` (replacing it) and return meta (also written to meta.json)."""
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    (out / "bodies").mkdir(parents=True)
    rng = random.Random(seed)
    t = TextMaker(rng)
    end = (end or datetime.now(MSK)).astimezone(MSK).replace(second=0, microsecond=0)
    # newest statement one hour before `end`; older ones about `per_day` a day (bursty: random gaps)
    span = timedelta(days=statements / per_day)
    stamps = sorted(end - timedelta(hours=1) - span * rng.random() ** 1.0 for _ in range(statements - 1))
    stamps.append(end - timedelta(hours=1))
    manifest = []
    sid = FIRST_ID
    variants = 0
    bytes_written = 0
    for n, when in enumerate(stamps, start=1):
        sid += rng.randint(1, 40)
        st, bodies = make_statement(t, sid, when, 1000 + n, n)
        manifest.append(st)
        for rel, text in bodies.items():
            (out / rel).write_text(text, encoding="utf-8")
            bytes_written += len(text.encode("utf-8"))
        variants += len(bodies)
    (out / "manifest.json").write_text(json.dumps({"_comment": "generated by bench/generate.py",
                                                   "statements": manifest}, ensure_ascii=False),
                                       encoding="utf-8")

    # --- state incr: new statements, edits (half recent, half older), deletions ---------------------
    all_variants = [(st["id"], lang) for st in manifest for lang in st["langs"]]
    recent_cut = end - timedelta(days=1)
    recent = [(st["id"], lang) for st in manifest for lang in st["langs"]
              if datetime.fromisoformat(f"{st['date']}T{st['time']}").replace(tzinfo=MSK) >= recent_cut]
    chosen: set[tuple[int, str]] = set()
    incr_edits = rng.sample(recent, min(len(recent), edits // 2))
    chosen.update(incr_edits)
    pool = [v for v in all_variants if v not in chosen]
    incr_edits += rng.sample(pool, edits - len(incr_edits))
    chosen.update(incr_edits)
    removable = [st["id"] for st in manifest[: len(manifest) // 2] if not any((st["id"], l) in chosen for l in st["langs"])]
    removed = rng.sample(removable, min(deletes, len(removable)))
    incr_dir = out / "states" / "incr"
    (incr_dir / "bodies").mkdir(parents=True)
    added = []
    new_variants = 0
    when = end - timedelta(minutes=30)
    for k in range(new):
        sid += rng.randint(1, 40)
        st, bodies = make_statement(t, sid, when + timedelta(minutes=k), 1000 + statements + k + 1, statements + k + 1)
        added.append(st)
        for rel, text in bodies.items():
            (incr_dir / rel).write_text(text, encoding="utf-8")
        new_variants += len(bodies)
    for s, lang in incr_edits:
        rel = f"bodies/{s}.{lang}.html"
        (incr_dir / rel).write_text(edit_body(t, (out / rel).read_text(encoding="utf-8"), lang), encoding="utf-8")
    updated = end.isoformat()
    (incr_dir / "state.json").write_text(json.dumps({
        "_comment": "bench: new statements, edits, deletions", "base": "initial", "updated": updated,
        "add": added, "remove": removed}, ensure_ascii=False), encoding="utf-8")

    # --- state edits: big_edits more edited variants on top of incr ---------------------------------
    pool = [v for v in all_variants if v not in chosen and v[0] not in set(removed)]
    big = rng.sample(pool, min(big_edits, len(pool)))
    edits_dir = out / "states" / "edits"
    (edits_dir / "bodies").mkdir(parents=True)
    for s, lang in big:
        rel = f"bodies/{s}.{lang}.html"
        (edits_dir / rel).write_text(edit_body(t, (out / rel).read_text(encoding="utf-8"), lang), encoding="utf-8")
    (edits_dir / "state.json").write_text(json.dumps({
        "_comment": "bench: many edited variants", "base": "incr",
        "updated": (end + timedelta(minutes=30)).isoformat()}), encoding="utf-8")

    meta = {
        "statements": statements, "variants": variants, "seed": seed, "end": end.isoformat(),
        "body_bytes": bytes_written,
        "sections": sorted({s for st in manifest for s in st["sections"]}),
        "incr": {"new_statements": [st["id"] for st in added], "new_variants": new_variants,
                 "edited": [list(v) for v in incr_edits], "removed": removed,
                 "recent_edited": [list(v) for v in incr_edits[: edits // 2]]},
        "edits": {"edited": [list(v) for v in big]},
        "recent_variants": len(recent),
    }
    (out / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    return meta


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--statements", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--new", type=int, default=10)
    ap.add_argument("--edits", type=int, default=50)
    ap.add_argument("--deletes", type=int, default=5)
    ap.add_argument("--big-edits", type=int, default=1000)
    args = ap.parse_args(argv)
    started = time.monotonic()
    meta = generate(args.out, args.statements, args.seed, args.new, args.edits, args.deletes, args.big_edits)
    print(f"{args.out}: {meta['statements']} statements, {meta['variants']} variants, "
          f"{meta['body_bytes'] / 1e6:.0f} MB of bodies in {time.monotonic() - started:.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
