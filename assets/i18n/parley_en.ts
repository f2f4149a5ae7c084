<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>Bubble</name>
    <message numerus="yes">
        <source>read by %n</source>
        <translation>
            <numerusform>read by %n</numerusform>
            <numerusform>read by %n</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ChatListModel</name>
    <message numerus="yes">
        <source>, %n unread</source>
        <translation>
            <numerusform>, %n unread</numerusform>
            <numerusform>, %n unread</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Notifier</name>
    <message numerus="yes">
        <source>%n new message(s) — latest: %1</source>
        <translation>
            <numerusform>%n new message — latest: %1</numerusform>
            <numerusform>%n new messages — latest: %1</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Numerus</name>
    <message numerus="yes">
        <source>Parley — %n unread</source>
        <translation>
            <numerusform>Parley — %n unread</numerusform>
            <numerusform>Parley — %n unread</numerusform>
        </translation>
    </message>
</context>
</TS>
