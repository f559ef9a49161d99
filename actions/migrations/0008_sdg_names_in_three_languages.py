"""The 17 SDGs in the UN's three wordings used here, and the English columns of
the fields that became translated in 0004 filled from what they held.

Titles: the goals as worded in the 2030 Agenda (General Assembly resolution
A/RES/70/1, English, French and Spanish versions). Short names: the UN's
official short titles of the goals (the SDG icons) in each language.
"""

from django.db import migrations
from django.db.models import F

SDGS = {
    1: (("No poverty", "End poverty in all its forms everywhere"),
        ("Pas de pauvreté", "Éliminer la pauvreté sous toutes ses formes et partout dans le monde"),
        ("Fin de la pobreza", "Poner fin a la pobreza en todas sus formas en todo el mundo")),
    2: (("Zero hunger",
         "End hunger, achieve food security and improved nutrition and promote sustainable agriculture"),
        ("Faim « zéro »",
         "Éliminer la faim, assurer la sécurité alimentaire, améliorer la nutrition et promouvoir "
         "l'agriculture durable"),
        ("Hambre cero",
         "Poner fin al hambre, lograr la seguridad alimentaria y la mejora de la nutrición y promover la "
         "agricultura sostenible")),
    3: (("Good health and well-being", "Ensure healthy lives and promote well-being for all at all ages"),
        ("Bonne santé et bien-être",
         "Permettre à tous de vivre en bonne santé et promouvoir le bien-être de tous à tout âge"),
        ("Salud y bienestar",
         "Garantizar una vida sana y promover el bienestar de todos a todas las edades")),
    4: (("Quality education",
         "Ensure inclusive and equitable quality education and promote lifelong learning opportunities for all"),
        ("Éducation de qualité",
         "Assurer l'accès de tous à une éducation de qualité, sur un pied d'égalité, et promouvoir les "
         "possibilités d'apprentissage tout au long de la vie"),
        ("Educación de calidad",
         "Garantizar una educación inclusiva y equitativa de calidad y promover oportunidades de aprendizaje "
         "permanente para todos")),
    5: (("Gender equality", "Achieve gender equality and empower all women and girls"),
        ("Égalité entre les sexes", "Parvenir à l'égalité des sexes et autonomiser toutes les femmes et les filles"),
        ("Igualdad de género", "Lograr la igualdad de género y empoderar a todas las mujeres y las niñas")),
    6: (("Clean water and sanitation",
         "Ensure availability and sustainable management of water and sanitation for all"),
        ("Eau propre et assainissement",
         "Garantir l'accès de tous à des services d'alimentation en eau et d'assainissement gérés de façon "
         "durable"),
        ("Agua limpia y saneamiento",
         "Garantizar la disponibilidad y la gestión sostenible del agua y el saneamiento para todos")),
    7: (("Affordable and clean energy",
         "Ensure access to affordable, reliable, sustainable and modern energy for all"),
        ("Énergie propre et d'un coût abordable",
         "Garantir l'accès de tous à des services énergétiques fiables, durables et modernes, à un coût "
         "abordable"),
        ("Energía asequible y no contaminante",
         "Garantizar el acceso a una energía asequible, fiable, sostenible y moderna para todos")),
    8: (("Decent work and economic growth",
         "Promote sustained, inclusive and sustainable economic growth, full and productive employment and "
         "decent work for all"),
        ("Travail décent et croissance économique",
         "Promouvoir une croissance économique soutenue, partagée et durable, le plein emploi productif et un "
         "travail décent pour tous"),
        ("Trabajo decente y crecimiento económico",
         "Promover el crecimiento económico sostenido, inclusivo y sostenible, el empleo pleno y productivo y "
         "el trabajo decente para todos")),
    9: (("Industry, innovation and infrastructure",
         "Build resilient infrastructure, promote inclusive and sustainable industrialization and foster "
         "innovation"),
        ("Industrie, innovation et infrastructure",
         "Bâtir une infrastructure résiliente, promouvoir une industrialisation durable qui profite à tous et "
         "encourager l'innovation"),
        ("Industria, innovación e infraestructura",
         "Construir infraestructuras resilientes, promover la industrialización inclusiva y sostenible y "
         "fomentar la innovación")),
    10: (("Reduced inequalities", "Reduce inequality within and among countries"),
         ("Inégalités réduites", "Réduire les inégalités dans les pays et d'un pays à l'autre"),
         ("Reducción de las desigualdades", "Reducir la desigualdad en los países y entre ellos")),
    11: (("Sustainable cities and communities",
          "Make cities and human settlements inclusive, safe, resilient and sustainable"),
         ("Villes et communautés durables",
          "Faire en sorte que les villes et les établissements humains soient ouverts à tous, sûrs, résilients "
          "et durables"),
         ("Ciudades y comunidades sostenibles",
          "Lograr que las ciudades y los asentamientos humanos sean inclusivos, seguros, resilientes y "
          "sostenibles")),
    12: (("Responsible consumption and production", "Ensure sustainable consumption and production patterns"),
         ("Consommation et production responsables", "Établir des modes de consommation et de production durables"),
         ("Producción y consumo responsables", "Garantizar modalidades de consumo y producción sostenibles")),
    13: (("Climate action", "Take urgent action to combat climate change and its impacts"),
         ("Mesures relatives à la lutte contre les changements climatiques",
          "Prendre d'urgence des mesures pour lutter contre les changements climatiques et leurs répercussions"),
         ("Acción por el clima", "Adoptar medidas urgentes para combatir el cambio climático y sus efectos")),
    14: (("Life below water",
          "Conserve and sustainably use the oceans, seas and marine resources for sustainable development"),
         ("Vie aquatique",
          "Conserver et exploiter de manière durable les océans, les mers et les ressources marines aux fins "
          "du développement durable"),
         ("Vida submarina",
          "Conservar y utilizar sosteniblemente los océanos, los mares y los recursos marinos para el "
          "desarrollo sostenible")),
    15: (("Life on land",
          "Protect, restore and promote sustainable use of terrestrial ecosystems, sustainably manage forests, "
          "combat desertification, and halt and reverse land degradation and halt biodiversity loss"),
         ("Vie terrestre",
          "Préserver et restaurer les écosystèmes terrestres, en veillant à les exploiter de façon durable, "
          "gérer durablement les forêts, lutter contre la désertification, enrayer et inverser le processus de "
          "dégradation des terres et mettre fin à l'appauvrissement de la biodiversité"),
         ("Vida de ecosistemas terrestres",
          "Proteger, restablecer y promover el uso sostenible de los ecosistemas terrestres, gestionar "
          "sosteniblemente los bosques, luchar contra la desertificación, detener e invertir la degradación de "
          "las tierras y detener la pérdida de biodiversidad")),
    16: (("Peace, justice and strong institutions",
          "Promote peaceful and inclusive societies for sustainable development, provide access to justice for "
          "all and build effective, accountable and inclusive institutions at all levels"),
         ("Paix, justice et institutions efficaces",
          "Promouvoir l'avènement de sociétés pacifiques et ouvertes à tous aux fins du développement durable, "
          "assurer l'accès de tous à la justice et mettre en place, à tous les niveaux, des institutions "
          "efficaces, responsables et ouvertes à tous"),
         ("Paz, justicia e instituciones sólidas",
          "Promover sociedades pacíficas e inclusivas para el desarrollo sostenible, facilitar el acceso a la "
          "justicia para todos y construir a todos los niveles instituciones eficaces e inclusivas que rindan "
          "cuentas")),
    17: (("Partnerships for the goals",
          "Strengthen the means of implementation and revitalize the Global Partnership for Sustainable "
          "Development"),
         ("Partenariats pour la réalisation des objectifs",
          "Renforcer les moyens de mettre en œuvre le Partenariat mondial pour le développement durable et le "
          "revitaliser"),
         ("Alianzas para lograr los objetivos",
          "Fortalecer los medios de implementación y revitalizar la Alianza Mundial para el Desarrollo "
          "Sostenible")),
}


def fill(apps, schema_editor):
    SustainableDevelopmentGoal = apps.get_model("actions", "SustainableDevelopmentGoal")
    for number, ((name_en, title_en), (name_fr, title_fr), (name_es, title_es)) in SDGS.items():
        SustainableDevelopmentGoal.objects.update_or_create(number=number, defaults={
            "name": name_en, "name_en": name_en, "name_fr": name_fr, "name_es": name_es,
            "title": title_en, "title_en": title_en, "title_fr": title_fr, "title_es": title_es,
        })
    # Rows from before 0004 keep their text as the English one.
    apps.get_model("actions", "Plan").objects.filter(name_en__isnull=True).update(
        name_en=F("name"), subtitle_en=F("subtitle")
    )
    for model in ("Indicator", "HistoricalIndicator"):
        apps.get_model("actions", model).objects.filter(unit_en__isnull=True).update(unit_en=F("unit"))


class Migration(migrations.Migration):
    dependencies = [("actions", "0007_translated_units_sdgs_plan_names")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
