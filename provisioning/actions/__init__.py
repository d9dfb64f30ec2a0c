"""Operations that change provisioning data: atomic, keyword-only, done by an
acting user and recorded (HackSoft style: ``<entity>_<verb>``)."""
