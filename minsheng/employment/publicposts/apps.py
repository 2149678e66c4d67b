from django.apps import AppConfig


class PublicPostsConfig(AppConfig):
    name = "minsheng.employment.publicposts"
    label = "publicposts"
    verbose_name = "公益性岗位"
