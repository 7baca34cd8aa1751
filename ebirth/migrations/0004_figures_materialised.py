# The figures of each year as computed from the records (refreshed by Celery beat, read by
# the figures page), and the official numbers of births the coverage line compares with,
# seeded with the national numbers Statbel published (editable in the admin).
from django.db import migrations, models

# (year, live births in Belgium, source): Statbel's figures as it announced them.
STATBEL_BIRTHS = [
    (2010, 129_173, "Statbel, live births in Belgium 2010 (announcement of 9 April 2019)"),
    (2016, 121_161, "Statbel, live births in Belgium 2016 (announcement of 9 April 2019)"),
    (2018, 117_800, "Statbel, live births in Belgium 2018, provisional (24 October 2019)"),
    (2019, 117_739, "Statbel, live births in Belgium 2019 (announcement of 22 July 2021)"),
    (2020, 113_739, "Statbel, live births in Belgium 2020, provisional (22 July 2021)"),
]


def seed_births(apps, schema_editor):
    OfficialBirths = apps.get_model("ebirth", "OfficialBirths")
    for year, births, source in STATBEL_BIRTHS:
        OfficialBirths.objects.get_or_create(
            year=year, province="", defaults={"births": births, "source": source}
        )


class Migration(migrations.Migration):
    dependencies = [("ebirth", "0003_batch_lease")]

    operations = [
        migrations.CreateModel(
            name="FiguresYear",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "year",
                    models.PositiveSmallIntegerField(unique=True, verbose_name="year of birth"),
                ),
                ("computed_at", models.DateTimeField(verbose_name="computed at")),
                ("national", models.JSONField(default=dict, verbose_name="figures of the country")),
                (
                    "wards",
                    models.JSONField(default=dict, verbose_name="figures per maternity ward"),
                ),
            ],
            options={
                "verbose_name": "figures of a year",
                "verbose_name_plural": "figures of the years",
                "ordering": ["year"],
            },
        ),
        migrations.CreateModel(
            name="OfficialBirths",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("year", models.PositiveSmallIntegerField(verbose_name="year")),
                (
                    "province",
                    models.CharField(
                        blank=True,
                        choices=[
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
                        ],
                        help_text="Empty: the whole country.",
                        max_length=3,
                        verbose_name="province",
                    ),
                ),
                ("births", models.PositiveIntegerField(verbose_name="live births")),
                (
                    "source",
                    models.CharField(
                        help_text=(
                            "Where the number comes from, e.g. Statbel, births 2016 (final "
                            "figures)."
                        ),
                        max_length=300,
                        verbose_name="source",
                    ),
                ),
            ],
            options={
                "verbose_name": "official number of births",
                "verbose_name_plural": "official numbers of births",
                "ordering": ["-year", "province"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("year", "province"),
                        name="officialbirths_one_per_year_and_province",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("province", ""),
                            (
                                "province__in",
                                [
                                    "VAN",
                                    "VLI",
                                    "VOV",
                                    "VBR",
                                    "VWV",
                                    "BRU",
                                    "WBR",
                                    "WHT",
                                    "WLG",
                                    "WLX",
                                    "WNA",
                                ],
                            ),
                            _connector="OR",
                        ),
                        name="officialbirths_province_known",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("year__gte", 1900), ("year__lte", 2200)),
                        name="officialbirths_year_plausible",
                    ),
                ],
            },
        ),
        migrations.RunPython(seed_births, migrations.RunPython.noop),
    ]
