"""Link health in the admin: the report of broken and redirected links, and acknowledging
a warning. (Registered from wagtail_hooks.)"""
