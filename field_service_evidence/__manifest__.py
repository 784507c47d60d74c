{
    "name": "Field Service Evidence",
    "summary": "Service records that win invoice disputes: readings, approvals, "
    "work items and an evidence score on every job",
    "version": "18.0.1.0.0",
    "category": "Services/Project",
    "author": "field_service_evidence developers",
    "website": "https://github.com/field-service-evidence/field_service_evidence",
    "maintainers": ["field-service-evidence"],
    "license": "LGPL-3",
    "development_status": "Alpha",
    "depends": ["account", "project"],
    "data": [
        "security/field_service_evidence_security.xml",
        "security/ir.model.access.csv",
        "data/service_reading_type_data.xml",
        "views/service_reading_type_views.xml",
        "views/service_reading_views.xml",
        "views/service_work_item_views.xml",
        "views/service_approval_views.xml",
        "views/project_project_views.xml",
        "views/project_task_views.xml",
        "views/account_move_views.xml",
        "views/res_config_settings_views.xml",
        "views/menus.xml",
        "reports/service_record_reports.xml",
        "reports/service_record_templates.xml",
        "reports/invoice_evidence_reports.xml",
        "reports/invoice_evidence_templates.xml",
    ],
    "demo": [
        "demo/field_service_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "field_service_evidence/static/tests/tours/*.js",
        ],
    },
}
