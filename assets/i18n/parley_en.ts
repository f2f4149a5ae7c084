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
    <name>ChatHeader</name>
    <message numerus="yes">
        <source>%n members</source>
        <translation>
            <numerusform>%n member</numerusform>
            <numerusform>%n members</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1, %n online</source>
        <translation>
            <numerusform>%1, %n online</numerusform>
            <numerusform>%1, %n online</numerusform>
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
    <message numerus="yes">
        <source>%Ln bytes</source>
        <translation>
            <numerusform>%Ln byte</numerusform>
            <numerusform>%Ln bytes</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SessionsPage</name>
    <message numerus="yes">
        <source>Signed out %n other session(s).</source>
        <translation>
            <numerusform>Signed out %n other session.</numerusform>
            <numerusform>Signed out %n other sessions.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n session(s) signed in.</source>
        <translation>
            <numerusform>%n session signed in.</numerusform>
            <numerusform>%n sessions signed in.</numerusform>
        </translation>
    </message>
</context>
</TS>
