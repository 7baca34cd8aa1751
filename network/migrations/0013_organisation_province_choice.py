# An organisation's province becomes a choice among Belgium's provinces and Brussels (R31:
# a service saved with "ANT" vanished from the figures). The free text already stored is
# mapped to the choice where it names a province ("ANT", "Antwerpen", "Anvers", "prov.
# Antwerpen" …); what names none is left empty and reported, to be chosen in the admin.
import re
import unicodedata

from django.db import migrations, models
from django.db.models import Q

# The choices as they are today (dossier.geography.Province), written out: a migration
# does not follow later changes of the code.
PROVINCES = ["VAN", "VLI", "VOV", "VBR", "VWV", "BRU", "WBR", "WHT", "WLG", "WLX", "WNA"]
CHOICES = [
    ("VAN", "Antwerp"),
    ("VLI", "Limburg"),
    ("VOV", "East Flanders"),
    ("VBR", "Flemish Brabant"),
    ("VWV", "West Flanders"),
    ("BRU", "Brussels-Capital Region"),
    ("WBR", "Walloon Brabant"),
    ("WHT", "Hainaut"),
    ("WLG", "Liège"),
    ("WLX", "Luxembourg"),
    ("WNA", "Namur"),
]

# Names and abbreviations in Dutch, French, German and English, compared without case,
# accents, spaces, dots or dashes ("O.-Vl." → "ovl"; "Liège" → "liege").
NAMES = {
    "VAN": ["antwerpen", "antwerp", "anvers", "ant", "antw", "van"],
    "VLI": ["limburg", "limbourg", "lim", "vli", "lb"],
    "VOV": [
        "oostvlaanderen",
        "eastflanders",
        "flandreorientale",
        "ostflandern",
        "ovl",
        "ov",
        "vov",
        "ovla",
    ],
    "VBR": [
        "vlaamsbrabant",
        "flemishbrabant",
        "brabantflamand",
        "flamischbrabant",
        "vbr",
        "vb",
        "vlbr",
        "vlbrabant",
    ],
    "VWV": [
        "westvlaanderen",
        "westflanders",
        "flandreoccidentale",
        "westflandern",
        "wvl",
        "wv",
        "vwv",
        "wvla",
    ],
    "BRU": [
        "brussel",
        "brussels",
        "bruxelles",
        "brusselscapitalregion",
        "brusselshoofdstedelijkgewest",
        "regiondebruxellescapitale",
        "bhg",
        "bxl",
        "bru",
    ],
    "WBR": ["waalsbrabant", "walloonbrabant", "brabantwallon", "wallonischbrabant", "wbr", "bw"],
    "WHT": ["henegouwen", "hainaut", "hennegau", "wht", "ht", "hai", "hain"],
    "WLG": ["luik", "liege", "luttich", "wlg", "lg", "lie"],
    "WLX": ["luxemburg", "luxembourg", "lux", "wlx", "lx"],
    "WNA": ["namen", "namur", "wna", "nam"],
}
PREFIXES = ("provincie", "province", "provinz", "prov")


def normalised(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
    text = re.sub(r"[^a-z]", "", text)
    for prefix in PREFIXES:
        if text.startswith(prefix) and len(text) > len(prefix) + 1:
            text = text[len(prefix) :]
            break
    return text


LOOKUP = {normalised(name): code for code, names in NAMES.items() for name in names}


def province_code(text: str) -> str:
    """The province a free text names, or "" when it names none (or none clearly)."""
    if not text.strip():
        return ""
    if text.strip().upper() in PROVINCES:
        return text.strip().upper()
    return LOOKUP.get(normalised(text), "")


def to_choice(apps, schema_editor):
    Organisation = apps.get_model("network", "Organisation")
    left_empty = []
    for organisation in Organisation.objects.exclude(province="").exclude(province__in=PROVINCES):
        code = province_code(organisation.province)
        if not code:
            left_empty.append(f"{organisation.name} ({organisation.province!r})")
        Organisation.objects.filter(pk=organisation.pk).update(province=code)
    if left_empty:  # the report: chosen again in the admin
        print(
            "\n  Organisations whose province named no Belgian province, left empty "
            f"(choose it in the admin): {'; '.join(left_empty)}"
        )


class Migration(migrations.Migration):
    dependencies = [("network", "0012_access_log_per_record")]

    operations = [
        migrations.RunPython(to_choice, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="organisation",
            name="province",
            field=models.CharField(
                blank=True, choices=CHOICES, max_length=3, verbose_name="province"
            ),
        ),
        migrations.AddConstraint(
            model_name="organisation",
            constraint=models.CheckConstraint(
                condition=Q(province="") | Q(province__in=PROVINCES),
                name="organisation_province_known",
            ),
        ),
    ]
