from django.db import migrations


def load(apps, schema_editor):
    from zhengyi.alerts.subcategories import DEFAULT_SUBCATEGORIES

    Subcategory = apps.get_model("alerts", "Subcategory")
    for category, code, name, pinyin in DEFAULT_SUBCATEGORIES:
        Subcategory.objects.update_or_create(code=code, defaults={"category": category, "name": name, "pinyin": pinyin})


def unload(apps, schema_editor):
    from zhengyi.alerts.subcategories import DEFAULT_SUBCATEGORIES

    apps.get_model("alerts", "Subcategory").objects.filter(code__in=[c for _, c, _, _ in DEFAULT_SUBCATEGORIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("alerts", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
